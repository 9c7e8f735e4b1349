import { readFileSync } from 'node:fs'
import type { Command } from '@commander-js/extra-typings'
import type { Hex } from 'viem'
import { z } from 'zod'
import { checkBundleAnchor, checkReceiptAnchor } from '../../chain/index.ts'
import { type VerificationReport, verifyBundle, verifyBundleCar, verifyReceipt } from '../../epoch/index.ts'
import { ApiaryError } from '../../internal/errors.ts'
import { stringifyJson } from '../../internal/json.ts'
import { booleanOption, resolveOptions } from '../../internal/options.ts'
import { addressOption } from '../chainOptions.ts'
import type { CliContext } from '../context.ts'
import { readBundlePath } from '../readBundlePath.ts'

const schema = z.object({
  rpc: z.string().url().optional(),
  registry: addressOption.optional(),
  signer: addressOption.optional(),
  json: booleanOption.default(false),
})

export function registerVerify(
  program: Command<[], { config?: string; logLevel?: string }>,
  context: CliContext,
): void {
  const verify = program
    .command('verify')
    .description(
      'Verify sealed epochs offline (and their on-chain anchor with --rpc). Exit 0 only when valid.',
    )
  const common = (command: Command<[string], Record<string, unknown>>) =>
    command
      .option('--rpc <url>', "also check the seal's anchor in the EpochRegistry on this chain (APIARY_RPC)")
      .option('--signer <address>', 'the sealing address the seal must be signed by (APIARY_SIGNER)')
      .option('--json', 'print every check as JSON (APIARY_JSON)')
  common(
    verify
      .command('bundle')
      .argument('<path>', 'an epoch bundle directory (epoch-NNNNNN/) or its .car file')
      .description(
        'Verify an epoch bundle: file hashes, every job, the job root, weights and payouts recomputed, payout root and proofs, the treasury, the EIP-191 seal, the CID.',
      ),
  )
    .option(
      '--registry <address>',
      "the EpochRegistry to check (APIARY_REGISTRY; default SUMMARY.json's registry)",
    )
    .addHelpText(
      'after',
      `
Examples:
  apiary verify bundle .apiary/up/coordinator/epochs/epoch-000003
  apiary verify bundle epoch-000003.car --rpc http://127.0.0.1:8545 --json`,
    )
    .action(async (path, flags) => {
      const options = resolveOptions(schema, { flags, configFile: context.configFile() })
      const report = await verifyBundlePath(path, options.signer)
      if (options.rpc !== undefined && report.epoch !== undefined) {
        report.checks.push(await checkBundleAnchor(options.rpc, report, options.registry as Hex | undefined))
        report.valid = report.checks.every((c) => c.ok)
      }
      print(report, options.json, { epoch: report.epoch, cid: report.cid, signer: report.signer })
    })

  common(
    verify
      .command('receipt')
      .argument('<file>', "a job receipt, a validation job's or a client job's (GET /v1/jobs/:id/receipt)")
      .description(
        'Verify a job receipt: the job, its inclusion proof, the sealed root and its EIP-191 signature.',
      ),
  )
    .addHelpText(
      'after',
      `
Example:
  curl -s http://127.0.0.1:14690/v1/jobs/000003-00000001/receipt > receipt.json
  apiary verify receipt receipt.json --rpc http://127.0.0.1:8545`,
    )
    .action(async (file, flags) => {
      const options = resolveOptions(schema, { flags, configFile: context.configFile() })
      let input: unknown
      try {
        input = JSON.parse(readFileSync(file, 'utf8'))
      } catch (cause) {
        throw new ApiaryError('APIARY_RECEIPT_UNREADABLE', `cannot read ${file} as JSON`, {
          cause,
          usage: true,
        })
      }
      const report = await verifyReceipt(input, { expectedSigner: options.signer })
      const r = report.receipt
      if (options.rpc !== undefined && r !== undefined && report.sealedJobRoot !== undefined) {
        report.checks.push(await checkReceiptAnchor(options.rpc, r, report.sealedJobRoot, report.signer))
        report.valid = report.checks.every((c) => c.ok)
      }
      print(report, options.json, {
        epoch: r?.epoch,
        job: (r?.job as { id?: string } | undefined)?.id,
        signer: report.signer,
      })
    })
}

async function verifyBundlePath(path: string, signer: string | undefined) {
  const read = readBundlePath(path)
  return read.car !== undefined
    ? await verifyBundleCar(read.car, { expectedSigner: signer })
    : await verifyBundle(read.files, { expectedSigner: signer })
}

function print(report: VerificationReport, json: boolean, facts: Record<string, unknown>) {
  if (json)
    process.stdout.write(`${stringifyJson({ valid: report.valid, ...facts, checks: report.checks })}\n`)
  else {
    for (const c of report.checks)
      process.stdout.write(
        `${c.ok ? 'ok  ' : 'FAIL'}  ${c.id.padEnd(16)} ${c.ok ? '' : `${c.code}  `}${c.message}\n`,
      )
    const known = Object.entries(facts).filter(([, v]) => v !== undefined)
    process.stdout.write(
      `${report.valid ? 'VALID' : 'INVALID'}${known.map(([k, v]) => `  ${k} ${v}`).join('')}\n`,
    )
  }
  if (!report.valid) process.exitCode = 1
}
