import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Command } from '@commander-js/extra-typings'
import { formatEther } from 'viem'
import { z } from 'zod'
import { epochs } from '../../api/index.ts'
import { epochDirName, readBundleCar, verifyBundleCar } from '../../epoch/index.ts'
import { ApiaryError } from '../../internal/errors.ts'
import { stringifyJson } from '../../internal/json.ts'
import { booleanOption, resolveOptions } from '../../internal/options.ts'
import { formatTable } from '../../internal/table.ts'
import { addressOption } from '../chainOptions.ts'
import type { CliContext } from '../context.ts'
import { coordinatorGet, coordinatorJson, DEFAULT_COORDINATOR_HTTP } from '../coordinatorHttp.ts'

const schema = z.object({
  coordinatorHttp: z.string().url().default(DEFAULT_COORDINATOR_HTTP),
  json: booleanOption.default(false),
  limit: z.coerce.number().int().min(1).max(1000).default(20),
  out: z.string().min(1).optional(),
  signer: addressOption.optional(),
})

const epochArgument = (id: string) => {
  if (!/^(?:epoch-)?\d{1,9}$/.test(id))
    throw new ApiaryError('APIARY_EPOCH_INVALID', `${id} is not an epoch (a number or epoch-NNNNNN)`, {
      usage: true,
    })
  return id
}

export function registerEpoch(
  program: Command<[], { config?: string; logLevel?: string }>,
  context: CliContext,
): void {
  const epoch = program
    .command('epoch')
    .description("A coordinator's sealed epochs over its HTTP API: list them, show one, export its bundle.")
  const common = <A extends unknown[]>(command: Command<A, Record<string, unknown>>) =>
    command
      .option(
        '--coordinator-http <url>',
        `the coordinator's HTTP API (APIARY_COORDINATOR_HTTP; default ${DEFAULT_COORDINATOR_HTTP})`,
      )
      .option('--json', "print the coordinator's answer as JSON (APIARY_JSON)")
  const options = (flags: Record<string, unknown>) =>
    resolveOptions(schema, { flags, configFile: context.configFile() })

  common(epoch.command('list').description('Epochs, newest first: state, jobs, CID and anchor.'))
    .option('--limit <n>', 'how many (APIARY_LIMIT; default 20, at most 1000)')
    .addHelpText(
      'after',
      `
Example:
  apiary epoch list --coordinator-http http://127.0.0.1:14690 --limit 5`,
    )
    .action(async (flags) => {
      const o = options(flags)
      const body = await coordinatorJson(o.coordinatorHttp, `/v1/epochs?limit=${o.limit}`, epochs.EpochList)
      if (o.json) return void process.stdout.write(`${stringifyJson(body)}\n`)
      process.stdout.write(
        `${formatTable(
          ['epoch', 'state', 'closed', 'jobs', 'paid (ETH)', 'cid', 'anchor'],
          body.epochs.map((e) => [
            e.epoch,
            e.state,
            e.closedAt ?? '-',
            e.seal?.jobs ?? '-',
            e.seal === null ? '-' : formatEther(BigInt(e.seal.distributedWei)),
            e.seal?.cid ?? '-',
            e.seal?.anchor?.txHash ?? e.seal?.anchor?.state ?? '-',
          ]),
        )}\nsealed by ${body.signer}\n`,
      )
    })

  common(
    epoch
      .command('show')
      .argument('<epoch>', 'the epoch number (or epoch-NNNNNN)', epochArgument)
      .description('One epoch: times, blocks, jobs, roots, treasury, payouts, seal and anchor.'),
  )
    .addHelpText(
      'after',
      `
Examples:
  apiary epoch show 3
  apiary epoch show epoch-000003 --json     # the API's answer, SUMMARY.json included`,
    )
    .action(async (id, flags) => {
      const o = options(flags)
      const e = await coordinatorJson(o.coordinatorHttp, `/v1/epochs/${id}`, epochs.SealedEpochWithSummary)
      if (o.json) return void process.stdout.write(`${stringifyJson(e)}\n`)
      const lines: [string, string | number][] = [
        ['epoch', `${e.epoch} (${e.epochId}), ${e.state}`],
        ['time', `${e.startedAt} → ${e.closedAt ?? 'open'}`],
        ['blocks', `${e.blocks.from ?? '-'} → ${e.blocks.to ?? '-'}`],
      ]
      const s = e.summary
      if (e.seal !== null && s != null) {
        const eth = (wei: string) => `${formatEther(BigInt(wei))} ETH`
        lines.push(
          [
            'jobs',
            `${s.jobs.count} (${s.jobs.matched} matched; ${Object.entries(s.jobs.by_type)
              .map(([t, n]) => `${t} ${n}`)
              .join(', ')})`,
          ],
          ['job root', s.jobs.merkle_root],
          [
            'payouts',
            `${s.payouts.count} to ${s.agents_count} agents, model ${s.params.model}, root ${s.payouts.root}`,
          ],
          [
            'treasury',
            `revenue ${eth(s.treasury.revenue)}: operator ${eth(s.treasury.operator_fee)}, protocol ${eth(s.treasury.protocol_fee)}, paid ${eth(s.treasury.distributed)}, undistributed ${eth(s.treasury.undistributed)}`,
          ],
          ['sealed', `${s.sealed_at} by ${e.seal.signer}`],
          ['cid', `${e.seal.cid}${e.seal.pinned ? ' (pinned)' : ''}`],
          [
            'anchor',
            e.seal.anchor === null
              ? 'none (no EpochRegistry)'
              : `${e.seal.anchor.state} in ${e.seal.anchor.registry}${e.seal.anchor.txHash === null ? '' : `, tx ${e.seal.anchor.txHash} (block ${e.seal.anchor.block})`}`,
          ],
        )
      }
      const width = Math.max(...lines.map(([k]) => k.length))
      process.stdout.write(`${lines.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`)
      if (e.seal !== null)
        process.stdout.write(
          `\nexport and verify it:  apiary epoch export ${e.epoch} --out DIR --coordinator-http ${o.coordinatorHttp}\n`,
        )
    })

  common(
    epoch
      .command('export')
      .argument('<epoch>', 'the epoch number (or epoch-NNNNNN)', epochArgument)
      .description(
        "Download a sealed epoch's CAR, verify it offline, and write DIR/epoch-NNNNNN/ and DIR/epoch-NNNNNN.car.",
      ),
  )
    .option('--out <dir>', 'where to write the bundle (APIARY_OUT)')
    .option(
      '--signer <address>',
      'the sealing address the seal must be signed by (APIARY_SIGNER; default the one the coordinator names)',
    )
    .addHelpText(
      'after',
      `
The CAR must verify (every block, every file, the job and payout roots, the seal signed by the coordinator's
sealing address, the CID the coordinator lists) before anything is written; exit 1 otherwise.

Example:
  apiary epoch export 3 --out ./bundles && apiary verify bundle ./bundles/epoch-000003 --rpc http://127.0.0.1:8545`,
    )
    .action(async (id, flags) => {
      const o = options(flags)
      if (o.out === undefined) throw new ApiaryError('APIARY_OUT_MISSING', 'give --out DIR', { usage: true })
      const e = await coordinatorJson(o.coordinatorHttp, `/v1/epochs/${id}`, epochs.SealedEpochWithSummary)
      if (e.seal === null)
        throw new ApiaryError('APIARY_EPOCH_NOT_SEALED', `epoch ${e.epoch} is ${e.state}, not sealed yet`, {
          retryable: true,
        })
      const car = new Uint8Array(
        await (await coordinatorGet(o.coordinatorHttp, `/v1/epochs/${e.epoch}/car`)).arrayBuffer(),
      )
      const report = await verifyBundleCar(car, {
        expectedCid: e.seal.cid ?? undefined,
        expectedSigner: o.signer ?? e.seal.signer,
      })
      const name = epochDirName(e.epoch)
      const out = resolve(o.out)
      if (report.valid) {
        const read = await readBundleCar(car)
        mkdirSync(out, { recursive: true })
        const tmp = join(out, `.tmp-${name}`)
        rmSync(tmp, { recursive: true, force: true })
        mkdirSync(tmp)
        for (const [file, bytes] of Object.entries(read.files)) writeFileSync(join(tmp, file), bytes)
        rmSync(join(out, name), { recursive: true, force: true })
        renameSync(tmp, join(out, name))
        writeFileSync(join(out, `${name}.car.tmp`), car)
        renameSync(join(out, `${name}.car.tmp`), join(out, `${name}.car`))
      }
      const facts = { epoch: e.epoch, cid: report.cid ?? null, signer: report.signer ?? null }
      if (o.json)
        process.stdout.write(
          `${stringifyJson({ valid: report.valid, ...facts, dir: report.valid ? join(out, name) : null, checks: report.checks })}\n`,
        )
      else if (report.valid)
        process.stdout.write(
          `exported epoch ${e.epoch} to ${join(out, name)} and ${join(out, `${name}.car`)}: ${report.checks.length} checks passed, cid ${report.cid}, sealed by ${report.signer}\n`,
        )
      else
        for (const c of report.checks.filter((x) => !x.ok))
          process.stdout.write(`FAIL  ${c.id.padEnd(16)} ${c.code}  ${c.message}\n`)
      if (!report.valid) process.exitCode = 1
    })
}
