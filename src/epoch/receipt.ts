import { z } from 'zod'
import type { JobProofStep } from './buildJobTree.ts'
import type { JobRecord } from './jobRecord.ts'

export const RECEIPT_VERSION = 'apiary-receipt/1'

const hex32 = z.string().regex(/^0x[0-9a-f]{64}$/, 'expected 0x + 64 lower-case hex digits')

/** An inclusion proof in a job tree (validation or client jobs), as receipts carry it. */
export const receiptProofSchema = z
  .array(z.strictObject({ hash: hex32, position: z.enum(['left', 'right']) }))
  .max(64)

/** Where a seal is anchored (the EpochRegistry and its `seal` transaction), or null. */
export const receiptAnchorSchema = z
  .strictObject({
    registry: z.string().regex(/^0x[0-9a-f]{40}$/),
    tx_hash: hex32.nullable(),
    block: z.number().int().nonnegative().nullable(),
  })
  .nullable()

/** A job receipt (docs/spec/bundle.md#receipt): everything needed to check one job without the bundle. */
export const receiptSchema = z.strictObject({
  version: z.literal(RECEIPT_VERSION),
  chain_id: z.number().int().nonnegative(),
  epoch: z.number().int().positive(),
  /** Checked with jobRecordSchema by verifyReceipt, so that a bad job is reported as such. */
  job: z.record(z.string(), z.unknown()),
  proof: receiptProofSchema,
  job_root: hex32,
  /** SIGNATURE.txt of the bundle, verbatim. */
  seal: z.string().max(4096),
  /** The bundle's CIDv1, when it was content-addressed. */
  cid: z.string().max(128).nullable(),
  /** Where the seal is anchored (the EpochRegistry and the `seal` transaction), if it is. */
  anchor: receiptAnchorSchema,
})

export type Receipt = z.infer<typeof receiptSchema>

export interface BuildReceiptParameters {
  chainId: number
  epoch: number
  job: JobRecord
  proof: readonly JobProofStep[]
  jobRoot: string
  /** SIGNATURE.txt. */
  seal: string
  cid: string | null
  anchor: Receipt['anchor']
}

export function buildReceipt(p: BuildReceiptParameters): Receipt {
  return {
    version: RECEIPT_VERSION,
    chain_id: p.chainId,
    epoch: p.epoch,
    job: { ...p.job, source: { ...p.job.source } },
    proof: p.proof.map((s) => ({ hash: s.hash, position: s.position })),
    job_root: p.jobRoot,
    seal: p.seal,
    cid: p.cid,
    anchor: p.anchor,
  }
}
