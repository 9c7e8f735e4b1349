import { hash } from 'node:crypto'
import { z } from 'zod'
import { canonicalJson } from './canonicalJson.ts'

const address = z.string().regex(/^0x[0-9a-f]{40}$/, 'expected a lower-case 0x address')
const hex32 = z.string().regex(/^0x[0-9a-f]{64}$/, 'expected 0x + 64 lower-case hex digits')
const isoTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'expected an ISO 8601 UTC time')
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)

/**
 * One completed client job of an epoch, as sealed in jobs.json's `client_jobs` (docs/spec/bundle.md#client-jobs):
 * who paid what for which work, and which agents did it. The job's input and output are not sealed (they are
 * the client's); their hashes are, through `poe_hash`.
 */
export const clientJobRecordSchema = z.strictObject({
  /** The job id the coordinator gave at submission (128 random bits, hex). */
  id: z.string().regex(/^[0-9a-f]{32}$/, 'expected a job id (32 lower-case hex digits)'),
  /** The paying client's wallet. */
  client: address,
  type: z.enum(['evm.simulate', 'llm.chat']),
  /** JobEscrow's asset the fee was charged in. */
  asset: z.enum(['coin', 'token']),
  /** Base units of the asset charged. */
  fee: z.string().regex(/^(0|[1-9]\d*)$/, 'expected a decimal integer'),
  /** The agreeing (or serving) agents' longest execution time. */
  execution_ms: count,
  poe_hash: hex32,
  /**
   * Every agent that answered, by id: `matched` says whether its answer was the agreed one (null for an
   * `llm.chat`, whose answer nothing scores).
   */
  agents: z
    .array(
      z.strictObject({
        agent_id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected an agent id'),
        agent: address,
        matched: z.boolean().nullable(),
      }),
    )
    .max(64),
  submitted_at: isoTime,
  completed_at: isoTime,
})

export type ClientJobRecord = z.infer<typeof clientJobRecordSchema>

/** The leaf of a client job in the client job tree: sha256(0x00 ‖ JCS(record)), as for validation jobs. */
export function clientJobLeaf(job: ClientJobRecord): Uint8Array {
  return hash('sha256', `\u0000${canonicalJson(job)}`, 'buffer')
}

export interface ClientJobProofParameters {
  /** The job's input as the coordinator keeps it (RFC 8785 JSON text). */
  input: string
  /** The witness agents got (protobuf bytes), null when there was none (a chat). */
  witness: Uint8Array | null
  /** sha256 (hex) of the output the client got. */
  outputSha256: string
  /** Payout wallets of the agents whose answer was used (the agreeing ones, or the one that served). */
  agents: readonly string[]
}

/**
 * `poe_hash` of a client job: sha256(JCS({agents, input, output, witness})) with the agents' wallets sorted
 * and every value a 0x sha256 (witness null without one). It binds the job's input, the output the client got
 * and who produced it, without sealing either: a client holding both checks it.
 */
export function clientJobProof(p: ClientJobProofParameters): `0x${string}` {
  const digest = (bytes: Uint8Array | string) => `0x${hash('sha256', bytes, 'hex')}`
  const text = canonicalJson({
    agents: [...new Set(p.agents.map((a) => a.toLowerCase()))].sort(),
    input: digest(p.input),
    output: `0x${p.outputSha256.replace(/^0x/, '').toLowerCase()}`,
    witness: p.witness === null ? null : digest(p.witness),
  })
  return `0x${hash('sha256', text, 'hex')}`
}

/** Each client's charge in one asset: the sum of its jobs' fees (what the charge tree's leaves hold). */
export function clientCharges(
  jobs: readonly ClientJobRecord[],
  asset: 'coin' | 'token',
): Map<string, bigint> {
  const owed = new Map<string, bigint>()
  for (const job of jobs)
    if (job.asset === asset) owed.set(job.client, (owed.get(job.client) ?? 0n) + BigInt(job.fee))
  return owed
}
