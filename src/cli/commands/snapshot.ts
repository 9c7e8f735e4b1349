import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from '@commander-js/extra-typings'
import { z } from 'zod'
import {
  createRpcClient,
  devnetGenesis,
  exportSnapshot,
  genesisFromAlloc,
  type RpcRequest,
} from '../../chain/index.ts'
import { exportFollowedSnapshot } from '../../coordinator/follower/index.ts'
import { openStore } from '../../coordinator/store/index.ts'
import { ApiaryError, isApiaryError } from '../../internal/errors.ts'
import { stringifyJson } from '../../internal/json.ts'
import { booleanOption, resolveOptions } from '../../internal/options.ts'
import { type SnapshotCounts, verifySnapshot } from '../../state/index.ts'
import type { CliContext } from '../context.ts'

const verifySchema = z.object({ json: booleanOption.default(false) })
const exportSchema = z.object({
  rpc: z.string().url().optional(),
  datadir: z.string().optional(),
  database: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'a postgres:// URL')
    .optional(),
  out: z.string().min(1),
  block: z
    .string()
    .regex(/^(latest|\d+)$/, 'a block number or latest')
    .default('latest'),
  genesis: z.string().optional(),
  devnetAccounts: z.coerce.number().int().min(1).max(1000).default(20),
  json: booleanOption.default(false),
})
const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`

/** `apiary snapshot verify`: L4 state snapshots (docs/spec/snapshot.md). */
export function registerSnapshot(
  program: Command<[], { config?: string; logLevel?: string }>,
  context: CliContext,
): void {
  const snapshot = program
    .command('snapshot')
    .description(
      "State snapshots for L4 agents: the full state at a block, checked against the block's state root.",
    )
  snapshot
    .command('export')
    .description(
      "Write the chain's full state at a block to a snapshot: the genesis (checked against block 0's state root), then each block's diff read from the node — the accounts and slots its transactions touched (prestateTracer), its fee recipient, withdrawals and system contracts, at their values after it.",
    )
    .option('--rpc <url>', 'the node (APIARY_RPC); it must answer debug_traceTransaction')
    .option(
      '--datadir <dir>',
      "or: a coordinator's datadir (its coordinator.db), to replay the state diffs it kept from block 1 instead of asking a node (APIARY_DATADIR)",
    )
    .option('--database <url>', "or: the coordinator's PostgreSQL store (APIARY_DATABASE_URL)")
    .option('--out <file>', 'the snapshot to write (APIARY_OUT)')
    .option('--block <n>', 'the block, or latest (APIARY_BLOCK; default latest)')
    .option('--genesis <file>', "the chain's genesis JSON (its alloc) (APIARY_GENESIS)")
    .option(
      '--devnet-accounts <n>',
      'without --genesis: the embedded devnet with this many dev accounts (APIARY_DEVNET_ACCOUNTS; default 20)',
    )
    .option('--json', 'print the result as JSON (APIARY_JSON)')
    .addHelpText(
      'after',
      '\nExamples (the devnet of apiary devnet; a coordinator started with --state-diffs N --from-block 1):\n  apiary snapshot export --rpc http://127.0.0.1:8545 --out state.snap\n  apiary snapshot export --datadir .apiary/coordinator --rpc http://127.0.0.1:8545 --out state.snap',
    )
    .action(async (flags) => {
      const o = resolveOptions(exportSchema, { flags, configFile: context.configFile() })
      const started = performance.now()
      const fromStore = o.datadir !== undefined || o.database !== undefined
      const rpc = o.rpc === undefined ? undefined : createRpcClient(o.rpc, { timeoutMs: 60_000 })
      if (rpc === undefined && (!fromStore || o.genesis === undefined))
        throw new ApiaryError(
          'APIARY_SNAPSHOT_SOURCE',
          'give --rpc (the node), or --datadir/--database with --genesis (or with --rpc for the devnet’s genesis)',
          { usage: true },
        )
      const genesis =
        o.genesis === undefined
          ? await devnetGenesis(rpc as RpcRequest, o.devnetAccounts)
          : genesisFromAlloc(readGenesis(o.genesis))
      let counts: SnapshotCounts
      if (fromStore) {
        if (o.block !== 'latest')
          throw new ApiaryError(
            'APIARY_SNAPSHOT_SOURCE',
            'from a coordinator the snapshot is at its newest block: drop --block',
            {
              usage: true,
            },
          )
        const store = await openStore(
          o.database !== undefined
            ? { url: o.database }
            : { path: join(o.datadir as string, 'coordinator.db') },
        )
        try {
          counts = await exportFollowedSnapshot(store, { genesis, path: o.out })
        } finally {
          await store.close()
        }
      } else {
        const node = rpc as RpcRequest
        const to =
          o.block === 'latest' ? BigInt((await node('eth_blockNumber', [])) as string) : BigInt(o.block)
        counts = await exportSnapshot(node, { genesis, to, path: o.out })
      }
      const report = await verifySnapshot(o.out)
      const facts = {
        file: o.out,
        block: report.number.toString(),
        stateRoot: hex(report.stateRoot),
        accounts: counts.accounts,
        codes: counts.codes,
        slots: counts.slots,
        ms: Math.round(performance.now() - started),
      }
      process.stdout.write(
        o.json
          ? `${stringifyJson(facts)}\n`
          : `wrote ${facts.file}: block ${facts.block}, state root ${facts.stateRoot} (verified), ${facts.accounts} accounts, ${facts.codes} codes, ${facts.slots} slots (${facts.ms} ms)\n`,
      )
    })

  snapshot
    .command('verify')
    .argument('<file>', 'a snapshot file')
    .description(
      "Read a snapshot through once and check it: layout, order, codes, counts, digest, and the state root its contents give against its block header's. Exit 0 only when valid.",
    )
    .option('--json', 'print the result as JSON (APIARY_JSON)')
    .addHelpText('after', '\nExample:\n  apiary snapshot verify state-000120.snap')
    .action(async (file, flags) => {
      const o = resolveOptions(verifySchema, { flags, configFile: context.configFile() })
      const started = performance.now()
      let report: Awaited<ReturnType<typeof verifySnapshot>>
      try {
        report = await verifySnapshot(file)
      } catch (error) {
        if (!isApiaryError(error) || !error.code.startsWith('APIARY_SNAPSHOT_')) throw error
        process.exitCode = 1
        const failure = { valid: false, code: error.code, message: error.message }
        process.stdout.write(
          o.json ? `${stringifyJson(failure)}\n` : `INVALID  ${error.code}  ${error.message}\n`,
        )
        return
      }
      const ms = Math.round(performance.now() - started)
      const facts = {
        valid: true,
        chainId: report.chainId.toString(),
        block: report.number.toString(),
        blockHash: hex(report.hash),
        stateRoot: hex(report.stateRoot),
        accounts: report.accounts,
        codes: report.codes,
        slots: report.slots,
        digest: hex(report.digest),
        ms,
      }
      process.stdout.write(
        o.json
          ? `${stringifyJson(facts)}\n`
          : `VALID  chain ${facts.chainId}  block ${facts.block} ${facts.blockHash}\n       state root ${facts.stateRoot}: ${facts.accounts} accounts, ${facts.codes} codes, ${facts.slots} slots (${ms} ms)\n`,
      )
    })
}

function readGenesis(path: string): Record<string, Record<string, unknown>> {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as {
      alloc?: Record<string, Record<string, unknown>>
    }
    if (parsed.alloc === undefined || typeof parsed.alloc !== 'object') throw new Error('no alloc')
    return parsed.alloc
  } catch (cause) {
    throw new ApiaryError('APIARY_GENESIS_UNREADABLE', `${path} is not a genesis JSON with an alloc`, {
      cause,
      usage: true,
    })
  }
}
