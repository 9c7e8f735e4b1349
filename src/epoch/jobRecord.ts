import { hash } from 'node:crypto'
import { z } from 'zod'
import { committedBeforeTruth, taskPoints } from './taskPoints.ts'

const hex32 = z.string().regex(/^0x[0-9a-f]{64}$/, 'expected 0x + 64 lower-case hex digits')
const isoTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'expected an ISO 8601 UTC time')
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)

/**
 * One scored task of an epoch, as sealed (docs/spec/epoch-merkle.md#job-record). Every string field has a
 * character set that JSON writes without escapes, which is what lets `jobCanonicalJson` be a plain template.
 */
export const jobRecordSchema = z.strictObject({
  /** `<epoch, 6 digits>-<sequence, 8 digits>`: fixed width, so string order is numeric order. */
  id: z.string().regex(/^\d{6,}-\d{8}$/, 'expected <epoch>-<sequence> (6 and 8 digits)'),
  /** `tx.validate.l1` … `tx.validate.l4`, later job kinds. */
  type: z.string().regex(/^[a-z0-9]+(\.[a-z0-9]+)*$/, 'expected dotted lower-case words'),
  /** The payout address of the agent that answered (lower case). */
  agent: z.string().regex(/^0x[0-9a-f]{40}$/, 'expected a lower-case 0x address'),
  agent_id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected an agent id'),
  source: z.strictObject({ chain_id: count, block: count, tx_hash: hex32, tx_index: count }),
  /** Decimal wei the job's client paid (0 for validation work, which the epoch reward pays). */
  fee: z.string().regex(/^(0|[1-9]\d*)$/, 'expected a decimal integer'),
  execution_ms: count,
  poe_hash: hex32,
  submitted_at: isoTime,
  completed_at: isoTime,
  /** The agent's verdict as reported (`valid`, `invalid`, `error`). */
  verdict: z.string().regex(/^[a-z_]{1,32}$/, 'expected a lower-case word'),
  /** Whether every scored field agreed with the chain. */
  matched: z.boolean(),
  /**
   * `preconfirmation` (pre-executed while pending), `canary` (built by the coordinator, never sent) or
   * `history` (mined before it was asked): what the job can earn (docs/rewards.md#what-earns).
   */
  kind: z.enum(['preconfirmation', 'canary', 'history']),
  /** When the coordinator stored the answer, before acknowledging it: the commitment. */
  committed_at: isoTime,
  /** When the coordinator first saw the block that includes the transaction (null for a canary). */
  block_seen_at: isoTime.nullable(),
  /**
   * The coordinator's last look at the chain before that block existed (null: unknown, or a canary). A
   * `preconfirmation` job earns only when `committed_at ≤ block_absent_at`.
   */
  block_absent_at: isoTime.nullable(),
})

export type JobRecord = z.infer<typeof jobRecordSchema>

/**
 * The RFC 8785 form of a job record (keys in code-unit order, no whitespace). Equal to `canonicalJson(job)`
 * for every record the schema accepts (tested), but several times faster, which matters at a million jobs.
 */
export function jobCanonicalJson(j: JobRecord): string {
  const s = j.source
  const time = (t: string | null) => (t === null ? 'null' : `"${t}"`)
  return `{"agent":"${j.agent}","agent_id":"${j.agent_id}","block_absent_at":${time(j.block_absent_at)},"block_seen_at":${time(j.block_seen_at)},"committed_at":"${j.committed_at}","completed_at":"${j.completed_at}","execution_ms":${j.execution_ms},"fee":"${j.fee}","id":"${j.id}","kind":"${j.kind}","matched":${j.matched},"poe_hash":"${j.poe_hash}","source":{"block":${s.block},"chain_id":${s.chain_id},"tx_hash":"${s.tx_hash}","tx_index":${s.tx_index}},"submitted_at":"${j.submitted_at}","type":"${j.type}","verdict":"${j.verdict}"}`
}

/** The points a sealed job earns (taskPoints over its record), as an auditor recomputes them. */
export function jobPoints(j: JobRecord): number {
  const level = Number(/\.l(\d)$/.exec(j.type)?.[1] ?? 0)
  const early =
    j.block_absent_at !== null &&
    committedBeforeTruth(Date.parse(j.committed_at), Date.parse(j.block_absent_at))
  // A matched answer's verdict is the truth's.
  return taskPoints({ kind: j.kind, level, matched: j.matched, early, invalid: j.verdict === 'invalid' })
}

/** The Merkle leaf of a job: sha256(0x00 ‖ JCS(job)). */
export function jobLeaf(job: JobRecord): Uint8Array {
  return hash('sha256', `\u0000${jobCanonicalJson(job)}`, 'buffer')
}

/** A job id: the epoch and the job's place in it, zero-padded so that ids sort as numbers do. */
export function jobId(epoch: number, sequence: number): string {
  return `${String(epoch).padStart(6, '0')}-${String(sequence).padStart(8, '0')}`
}

/** The epoch a job id belongs to, or undefined when it is not a job id. */
export function epochOfJobId(id: string): number | undefined {
  const match = /^(\d{6,})-\d{8}$/.exec(id)
  return match === null ? undefined : Number(match[1])
}
