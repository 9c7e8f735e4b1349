import type { Command } from '@commander-js/extra-typings'
import { z } from 'zod'
import { isApiaryError } from '../../internal/errors.ts'
import { stringifyJson } from '../../internal/json.ts'
import { booleanOption, resolveOptions } from '../../internal/options.ts'
import { verifySnapshot } from '../../state/index.ts'
import type { CliContext } from '../context.ts'

const verifySchema = z.object({ json: booleanOption.default(false) })
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
