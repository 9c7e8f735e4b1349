import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { create } from '@bufbuild/protobuf'
import { createPublicClient, createWalletClient, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createL4Executor, openStateStore } from '../src/agent/state/index.ts'
import {
  buildWitness,
  createRpcClient,
  createTraffic,
  evmChain,
  readBlockDiff,
  rpcTransport,
  StateFiller,
  startDevnet,
} from '../src/chain/index.ts'
import { l4Preceding } from '../src/coordinator/follower/l4Preceding.ts'
import {
  L4ContextSchema,
  Level,
  type Task,
  type TaskResult,
  TaskSchema,
  WitnessSchema,
} from '../src/gen/apiary/v1/swarm_pb.js'
import { createLogger } from '../src/internal/logger.ts'
import { answerTask, witnessToMessage } from '../src/protocol/index.ts'
import { createEngineCrypto, createVmPool, fromHex, parseWitness } from '../src/validation/index.ts'
import { machine } from './_lib/machine.ts'

const run = promisify(execFile)
const phase = async (script: string, args: string[]) =>
  JSON.parse(
    (
      await run(process.execPath, [join(import.meta.dirname, '_lib', script), ...args], {
        maxBuffer: 1 << 20,
      })
    ).stdout,
  )

/**
 * L4 on a devnet state (issue 22): a StateFiller contract gives the embedded devnet `accounts` new accounts
 * (1 wei each) and `contracts` contracts with `slots` slots each; the state is exported to a snapshot (in its
 * own process: peak memory) and loaded into an L4 store (its own process); then `traffic` transactions of
 * `apiary traffic` are mined in blocks of about 20, and in this process: each block's diff applied with the
 * root check (blocks/s), and every transaction answered at L3 from the coordinator's witness (the baseline)
 * and at L4 from the store, one at a time on one thread, the two answers compared.
 */
export async function benchL4({ accounts = 100_000, contracts = 1000, slots = 50, traffic = 1000 } = {}) {
  const logger = createLogger({ level: 'silent' })
  const dir = mkdtempSync(join(tmpdir(), 'apiary-bench-l4-'))
  const devnet = await startDevnet({ logger }, { port: 0, accounts: 10 })
  try {
    const rpc = createRpcClient(devnet.url, { timeoutMs: 120_000 })
    const chain = evmChain(devnet.chainId, devnet.url, 'apiary')
    const transport = rpcTransport(devnet.url)
    const client = createPublicClient({ chain, transport })
    const wallet = createWalletClient({
      account: privateKeyToAccount(devnet.accounts[9]?.privateKey as Hex),
      chain,
      transport,
    })
    const t0 = performance.now()
    const deployed = await client.waitForTransactionReceipt({
      hash: await wallet.deployContract({ abi: StateFiller.abi, bytecode: StateFiller.bytecode as Hex }),
    })
    const filler = deployed.contractAddress as Hex
    const send = async (functionName: 'spray' | 'deploy', args: [bigint, bigint], value = 0n) => {
      const hash = await wallet.writeContract({
        address: filler,
        abi: StateFiller.abi,
        functionName,
        args,
        ...(value === 0n ? {} : { value }),
        gas: 29_000_000n,
      } as never)
      const receipt = await client.waitForTransactionReceipt({ hash })
      if (receipt.status !== 'success') throw new Error(`${functionName} reverted`)
    }
    for (let i = 0; i < accounts / 500; i++) await send('spray', [BigInt(i), 500n], 500n)
    for (let i = 0; i < contracts / 20; i++) await send('deploy', [20n, BigInt(slots)])
    const fillMs = performance.now() - t0

    const file = join(dir, 'state.snap')
    const exported = await phase('l4Export.ts', [devnet.url, file, '10'])
    const bytes = statSync(file).size
    const load = await phase('snapshotPhase.ts', ['load', file, '0', '0', '0'])
    const reopen = await phase('snapshotPhase.ts', ['reopen', file, '0', '0', '0'])

    // Traffic mined in blocks of about 20 transactions.
    const trafficGen = createTraffic(
      { logger },
      { rpcUrl: devnet.url, chainId: devnet.chainId, accounts: devnet.accounts.slice(0, 6), seed: 4 },
    )
    await trafficGen.setup()
    const from = BigInt((await rpc('eth_blockNumber', [])) as string)
    const setupDiffs = []
    for (let n = exported.block + 1; n <= Number(from); n++)
      setupDiffs.push(await readBlockDiff(rpc, BigInt(n)))
    await rpc('evm_setAutomine', [false])
    let sending = true
    const mining = (async () => {
      while (sending) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        await rpc('evm_mine', [])
      }
    })()
    await trafficGen.run({ tps: 200, maxTransactions: traffic })
    sending = false
    await mining
    await rpc('evm_mine', [])
    const to = BigInt((await rpc('eth_blockNumber', [])) as string)
    const diffs = []
    const l3: Task[] = []
    const l4: Task[] = []
    for (let n = from + 1n; n <= to; n++) {
      diffs.push(await readBlockDiff(rpc, n))
      const tag = `0x${n.toString(16)}`
      const block = (await rpc('eth_getBlockByNumber', [tag, true])) as Parameters<
        typeof buildWitness
      >[0]['block'] & { transactions: Record<string, unknown>[]; parentHash: string }
      if (block.transactions.length === 0) continue
      // EDR has no debug_traceBlockByNumber: one trace per transaction, as the follower falls back to.
      const traces = await Promise.all(
        block.transactions.map((tx) =>
          rpc('debug_traceTransaction', [tx.hash, { tracer: 'prestateTracer' }]),
        ),
      )
      const raw = l4Preceding(block.transactions)
      block.transactions.forEach((tx, i) => {
        const witness = witnessToMessage(
          parseWitness(
            buildWitness({
              tx: tx as never,
              block,
              prestate: traces[i],
              chainId: BigInt(devnet.chainId),
              fork: 'prague',
            }),
          ),
          { full: true },
        )
        l3.push(
          create(TaskSchema, {
            taskId: `${n}:${i}`,
            level: Level.L3,
            witness,
            deadlineUnixMs: BigInt(Date.now() + 3_600_000),
          }),
        )
        l4.push(
          create(TaskSchema, {
            taskId: `${n}:${i}`,
            level: Level.L4,
            deadlineUnixMs: BigInt(Date.now() + 3_600_000),
            witness: create(WitnessSchema, {
              ...witness,
              prestate: [],
              l4: create(L4ContextSchema, {
                parentNumber: n - 1n,
                parentHash: fromHex(block.parentHash) ?? new Uint8Array(),
                preceding: raw(i),
              }),
            }),
          }),
        )
      })
    }

    const store = openStateStore(`${file}.store`)
    for (const diff of setupDiffs) await store.applyDiff(diff)
    const a0 = performance.now()
    for (const diff of diffs) await store.applyDiff(diff)
    const applyMs = performance.now() - a0
    const crypto = createEngineCrypto()
    const ctx = { crypto, vms: createVmPool(crypto) }
    const l3Results = []
    const b0 = performance.now()
    for (const task of l3) l3Results.push(await answerTask(ctx, task))
    const l3Ms = performance.now() - b0
    const executor = createL4Executor({ ctx, store, waitFor: async () => {} })
    const l4Results: (TaskResult | undefined)[] = []
    const c0 = performance.now()
    for (const task of l4) l4Results.push(await executor.answer(task))
    const l4Ms = performance.now() - c0
    store.close()
    const same = l3Results.filter((r, i) => {
      const o = l4Results[i]
      return (
        o !== undefined &&
        JSON.stringify({ ...r, latencyUs: 0 }, big) === JSON.stringify({ ...o, latencyUs: 0 }, big)
      )
    }).length
    const mb = bytes / 1e6
    const rows = [
      {
        case: `devnet: ${accounts} filled accounts + ${contracts} contracts × ${slots} slots`,
        'fill s': (fillMs / 1000).toFixed(0),
        'snapshot accounts': exported.accounts,
        'snapshot slots': exported.slots,
        'snapshot MB': mb.toFixed(2),
        'export s': (exported.ms / 1000).toFixed(1),
        'export peak MiB': exported.maxRssMiB.toFixed(0),
        'load s': (load.ms / 1000).toFixed(2),
        'load MB/s (compressed)': (mb / (load.ms / 1000)).toFixed(2),
        'load peak MiB': load.maxRssMiB.toFixed(0),
        'restart ms': reopen.ms.toFixed(1),
      },
      {
        case: `${diffs.length} traffic blocks, ${l3.length} transactions`,
        'diffs applied per s (root checked)': (diffs.length / (applyMs / 1000)).toFixed(1),
        'ms per block': (applyMs / diffs.length).toFixed(1),
        'L3 tasks/s (witness, baseline)': (l3.length / (l3Ms / 1000)).toFixed(0),
        'L4 tasks/s (own state)': (l4.length / (l4Ms / 1000)).toFixed(0),
        'L4 / L3': (l3Ms / l4Ms).toFixed(2),
        'L4 answers equal to L3': `${same}/${l3.length}`,
      },
    ]
    return {
      unit: 'seconds, MB, MiB (peak RSS of the phase’s process), one thread',
      machine: machine(),
      rows,
    }
  } finally {
    await devnet.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

const big = (_: string, v: unknown) =>
  typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v
