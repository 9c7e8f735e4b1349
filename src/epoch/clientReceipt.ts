import { z } from 'zod'
import type { JobProofStep } from './buildJobTree.ts'
import type { ClientJobRecord } from './clientJobRecord.ts'
import { receiptAnchorSchema, receiptProofSchema } from './receipt.ts'

export const CLIENT_RECEIPT_VERSION = 'apiary-client-receipt/1'

const hex32 = z.string().regex(/^0x[0-9a-f]{64}$/, 'expected 0x + 64 lower-case hex digits')

/**
 * A client job's receipt (docs/spec/bundle.md#client-receipt): the sealed job record with its proof against
 * the client job root, the epoch's SUMMARY.json (which holds that root and the charge roots, and whose hash
 * the seal signs), the client's charge with its proof against the on-chain charge root, and the seal.
 */
export const clientReceiptSchema = z.strictObject({
  version: z.literal(CLIENT_RECEIPT_VERSION),
  chain_id: z.number().int().nonnegative(),
  epoch: z.number().int().positive(),
  /** Checked with clientJobRecordSchema by verifyReceipt, so that a bad job is reported as such. */
  job: z.record(z.string(), z.unknown()),
  proof: receiptProofSchema,
  client_job_root: hex32,
  /** The client's total charge of the job's asset in the epoch, a leaf of the charge tree. */
  charge: z.strictObject({
    asset: z.enum(['coin', 'token']),
    amount: z.string().regex(/^(0|[1-9]\d*)$/, 'expected a decimal integer'),
    root: hex32,
    proof: z.array(hex32).max(64),
  }),
  /** SUMMARY.json of the bundle, verbatim. */
  summary: z.string().max(65_536),
  /** SIGNATURE.txt of the bundle, verbatim. */
  seal: z.string().max(4096),
  cid: z.string().max(128).nullable(),
  anchor: receiptAnchorSchema,
})

export type ClientReceipt = z.infer<typeof clientReceiptSchema>

export interface BuildClientReceiptParameters {
  chainId: number
  epoch: number
  job: ClientJobRecord
  proof: readonly JobProofStep[]
  clientJobRoot: string
  charge: ClientReceipt['charge']
  summary: string
  seal: string
  cid: string | null
  anchor: ClientReceipt['anchor']
}

export function buildClientReceipt(p: BuildClientReceiptParameters): ClientReceipt {
  return {
    version: CLIENT_RECEIPT_VERSION,
    chain_id: p.chainId,
    epoch: p.epoch,
    job: { ...p.job, agents: p.job.agents.map((a) => ({ ...a })) },
    proof: p.proof.map((s) => ({ hash: s.hash, position: s.position })),
    client_job_root: p.clientJobRoot,
    charge: { ...p.charge, proof: [...p.charge.proof] },
    summary: p.summary,
    seal: p.seal,
    cid: p.cid,
    anchor: p.anchor,
  }
}
