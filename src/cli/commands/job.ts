import { readFileSync, writeFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Command } from '@commander-js/extra-typings'
import { z } from 'zod'
import { epochs, jobs } from '../../api/index.ts'
import { verifyReceipt } from '../../epoch/index.ts'
import { ApiaryError } from '../../internal/errors.ts'
import { stringifyJson } from '../../internal/json.ts'
import { booleanOption, resolveOptions } from '../../internal/options.ts'
import { formatTable } from '../../internal/table.ts'
import { addressOption } from '../chainOptions.ts'
import type { CliContext } from '../context.ts'
import { coordinatorJson, DEFAULT_COORDINATOR_HTTP } from '../coordinatorHttp.ts'

const schema = z.object({
  coordinatorHttp: z.string().url().default(DEFAULT_COORDINATOR_HTTP),
  client: addressOption,
  apiKey: z.string().regex(/^apiary_client_[0-9a-f]{64}$/, 'an apiary_client_… key (apiary client apikey)'),
  json: booleanOption.default(false),
})
const submitSchema = schema.extend({
  type: z.literal('evm.simulate').default('evm.simulate'),
  input: z.string().min(1),
  maxFee: z.string().regex(/^\d+$/, 'a whole number of base units').optional(),
  asset: z.enum(['coin', 'token']).default('coin'),
  ttl: z.coerce.number().int().min(1).max(3600).default(300),
  wait: booleanOption.default(false),
})
const listSchema = schema.extend({ limit: z.coerce.number().int().min(1).max(1000).default(20) })
const receiptSchema = z.object({
  coordinatorHttp: schema.shape.coordinatorHttp,
  out: z.string().min(1).optional(),
  signer: addressOption.optional(),
})

type Job = z.output<typeof jobs.Job>
const OPEN = ['queued', 'running']

/** `--input`: JSON text, `@FILE` or `-` (standard input). */
function readInput(text: string): unknown {
  const source =
    text === '-' ? readFileSync(0, 'utf8') : text.startsWith('@') ? readFileSync(text.slice(1), 'utf8') : text
  try {
    return JSON.parse(source)
  } catch (cause) {
    throw new ApiaryError('APIARY_JOB_INPUT_INVALID', '--input is not JSON (give JSON, @FILE or -)', {
      usage: true,
      cause,
    })
  }
}

function printJob(job: Job, json: boolean) {
  if (json) return void process.stdout.write(`${stringifyJson(job)}\n`)
  const lines = [
    `job       ${job.id}  ${job.type}  ${job.state}${job.error === null ? '' : ` (${job.error})`}`,
    `money     max fee ${job.maxFee} ${job.asset}, reserved ${job.reserved}, charged ${job.fee ?? '-'}${job.epoch === null ? '' : ` in epoch ${job.epoch}`}`,
    `agents    ${job.agents.map((a) => `${a.agentId}${a.matched === null ? '' : a.matched ? ' ✓' : ' ✗'}`).join(', ') || '-'} (rounds ${job.rounds})`,
    ...(job.outputSha256 === null ? [] : [`poe hash  ${job.outputSha256}`]),
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
  if (job.output !== null) process.stdout.write(`${stringifyJson(job.output)}\n`)
}

/**
 * `apiary job submit|status|cancel|list|receipt`: a client's jobs on a coordinator (docs/jobs.md), with its address
 * and API key. The answers are read with the API's own schemas.
 */
export function registerJob(
  program: Command<[], { config?: string; logLevel?: string }>,
  context: CliContext,
): void {
  const job = program
    .command('job')
    .description(
      "A client's paid jobs on a coordinator: submit, status, cancel, list, receipt (docs/jobs.md).",
    )
  const common = <A extends unknown[]>(command: Command<A, Record<string, unknown>>) =>
    command
      .option(
        '--coordinator-http <url>',
        `the coordinator's HTTP API (APIARY_COORDINATOR_HTTP; default ${DEFAULT_COORDINATOR_HTTP})`,
      )
      .option('--client <address>', "the client's wallet address (APIARY_CLIENT)")
      .option(
        '--api-key <key>',
        "the client's API key from the operator: apiary client apikey (APIARY_API_KEY)",
      )
      .option('--json', "print the coordinator's answer as JSON (APIARY_JSON)")
  const resolve = <S extends z.ZodObject>(s: S, flags: Record<string, unknown>) =>
    resolveOptions(s, { flags, configFile: context.configFile() })
  const headers = (o: z.output<typeof schema>) => ({
    'x-apiary-client': o.client,
    authorization: `Bearer ${o.apiKey}`,
  })

  common(
    job.command('submit').description('Submits a job; its max fee is reserved from your escrow balance.'),
  )
    .option('--type <type>', 'the job type (APIARY_TYPE; default evm.simulate)')
    .option('--input <json>', 'the job input: JSON, @FILE or - for standard input (APIARY_INPUT)')
    .option(
      '--max-fee <units>',
      "the most it may cost, in the asset's base units (APIARY_MAX_FEE; default the price list's price)",
    )
    .option('--asset <asset>', 'coin or token: what pays (APIARY_ASSET; default coin)')
    .option('--ttl <seconds>', 'expires if not done by then, 1-3600 (APIARY_TTL; default 300)')
    .option('--wait', 'wait until the job is decided and print its output (APIARY_WAIT)')
    .addHelpText(
      'after',
      `
Example (simulate a transfer on the latest state of the followed chain):
  apiary job submit --client 0x70997970c51812dc3a010c7d01b50e0d17dc79c8 --api-key apiary_client_… \\
    --input '{"transactions":[{"from":"0x7099…79c8","to":"0x3c44…93bc","value":"0x1"}]}' --wait`,
    )
    .action(async (flags) => {
      const o = resolve(submitSchema, flags)
      const input = readInput(o.input) as { transactions?: unknown[] }
      let maxFee = o.maxFee
      if (maxFee === undefined) {
        const list = await coordinatorJson(
          o.coordinatorHttp,
          '/v1/jobs/prices',
          jobs.prices.schema.response[200],
        )
        const price = list.prices.find((p) => p.type === o.type && p.asset === o.asset)
        maxFee = (BigInt(price?.amount ?? '0') * BigInt(input.transactions?.length ?? 1)).toString()
      }
      let submitted = await coordinatorJson(o.coordinatorHttp, '/v1/jobs', jobs.Job, {
        method: 'POST',
        headers: headers(o),
        json: { type: o.type, input, maxFee, asset: o.asset, ttlSeconds: o.ttl },
      })
      while (o.wait && OPEN.includes(submitted.state)) {
        await sleep(250)
        submitted = await coordinatorJson(o.coordinatorHttp, `/v1/jobs/${submitted.id}`, jobs.Job, {
          headers: headers(o),
        })
      }
      printJob(submitted, o.json)
      if (o.wait && submitted.state !== 'completed') process.exitCode = 1
    })

  common(job.command('status').argument('<id>', 'the job id').description('One of your jobs.')).action(
    async (id, flags) => {
      const o = resolve(schema, flags)
      printJob(
        await coordinatorJson(o.coordinatorHttp, `/v1/jobs/${encodeURIComponent(id)}`, jobs.Job, {
          headers: headers(o),
        }),
        o.json,
      )
    },
  )

  common(
    job.command('cancel').argument('<id>', 'the job id').description('Cancels a queued or running job.'),
  ).action(async (id, flags) => {
    const o = resolve(schema, flags)
    printJob(
      await coordinatorJson(o.coordinatorHttp, `/v1/jobs/${encodeURIComponent(id)}`, jobs.Job, {
        method: 'DELETE',
        headers: headers(o),
      }),
      o.json,
    )
  })

  job
    .command('receipt')
    .argument('<id>', 'the job id')
    .description(
      "A completed job's receipt once its epoch is sealed (docs/spec/bundle.md#client-receipt), verified here before it is written: the job's proof, the sealed summary, your charge's proof and the seal's signature.",
    )
    .option(
      '--coordinator-http <url>',
      `the coordinator's HTTP API (APIARY_COORDINATOR_HTTP; default ${DEFAULT_COORDINATOR_HTTP})`,
    )
    .option('--out <file>', 'write the receipt there instead of to standard output (APIARY_OUT)')
    .option(
      '--signer <address>',
      "the sealing address it must be signed by (APIARY_SIGNER; default the coordinator's, from /v1/epochs)",
    )
    .addHelpText(
      'after',
      `
Example (then check it anywhere, with the chain's anchor: apiary verify receipt receipt.json --rpc URL):
  apiary job receipt 5f0c…e1 --out receipt.json`,
    )
    .action(async (id, flags) => {
      const o = resolveOptions(receiptSchema, { flags, configFile: context.configFile() })
      const receipt = await coordinatorJson(
        o.coordinatorHttp,
        `/v1/jobs/${encodeURIComponent(id)}/receipt`,
        epochs.jobReceipt.schema.response[200],
      )
      const signer =
        o.signer ??
        (
          await coordinatorJson(
            o.coordinatorHttp,
            '/v1/epochs?limit=1',
            epochs.listEpochs.schema.response[200],
          )
        ).signer
      const report = await verifyReceipt(receipt, { expectedSigner: signer })
      for (const c of report.checks.filter((check) => !check.ok))
        process.stderr.write(`FAIL  ${c.id.padEnd(10)} ${c.code}  ${c.message}\n`)
      const text = `${stringifyJson(receipt)}\n`
      if (o.out === undefined) process.stdout.write(text)
      else writeFileSync(o.out, text)
      process.stderr.write(
        `receipt of job ${id}, epoch ${receipt.epoch}: ${report.valid ? 'VALID' : 'INVALID'} (signed by ${report.signer ?? '?'})\n`,
      )
      if (!report.valid) process.exitCode = 1
    })

  common(job.command('list').description('Your jobs, newest first.'))
    .option('--limit <n>', 'how many (APIARY_LIMIT; default 20, at most 1000)')
    .action(async (flags) => {
      const o = resolve(listSchema, flags)
      const body = await coordinatorJson(
        o.coordinatorHttp,
        `/v1/jobs?client=${o.client}&limit=${o.limit}`,
        jobs.list.schema.response[200],
        { headers: headers(o) },
      )
      if (o.json) return void process.stdout.write(`${stringifyJson(body)}\n`)
      process.stdout.write(
        `${formatTable(
          ['job', 'type', 'state', 'fee', 'asset', 'created'],
          body.jobs.map((j) => [j.id, j.type, j.state, j.fee ?? '-', j.asset, j.createdAt]),
        )}\n`,
      )
    })
}
