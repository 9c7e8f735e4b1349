import { jobProofRoot } from './buildJobTree.ts'
import { checkReceiptSignature } from './checkReceiptSignature.ts'
import { CLIENT_RECEIPT_VERSION, type ClientReceipt } from './clientReceipt.ts'
import { epochOfJobId, jobRecordSchema } from './jobRecord.ts'
import { type Receipt, receiptSchema } from './receipt.ts'
import { parseSignatureFile, sealField } from './sealMessage.ts'
import { createChecks, type VerificationReport } from './verification.ts'
import { verifyClientReceipt } from './verifyClientReceipt.ts'

export interface ReceiptVerificationReport extends VerificationReport {
  receipt?: Receipt | ClientReceipt
  signer?: string
  /** The validation job root the seal names: what the on-chain anchor records. */
  sealedJobRoot?: string | undefined
}

/**
 * Verifies a receipt offline — a client job's (verifyClientReceipt, by its `version`) or a validation job's:
 * the job record, its inclusion proof against the job root, that root and
 * the epoch and chain in the signed seal text, and the seal's EIP-191 signature. (The on-chain anchor is
 * checked by `apiary verify receipt --rpc`.)
 */
export async function verifyReceipt(
  input: unknown,
  options: { expectedSigner?: string | undefined } = {},
): Promise<ReceiptVerificationReport> {
  if ((input as { version?: unknown } | null)?.version === CLIENT_RECEIPT_VERSION)
    return verifyClientReceipt(input, options)
  const c = createChecks()
  const out: ReceiptVerificationReport = { valid: false, checks: c.checks }
  const finish = () => Object.assign(out, { valid: c.report().valid })
  const parsed = receiptSchema.safeParse(input)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    c.fail('receipt', 'APIARY_RECEIPT_INVALID', `${issue?.path.join('.') || '(root)'}: ${issue?.message}`)
    return finish()
  }
  const r = parsed.data
  out.receipt = r
  c.pass('receipt', `receipt of a job of epoch ${r.epoch}`)
  const job = jobRecordSchema.safeParse(r.job)
  if (!job.success) {
    const issue = job.error.issues[0]
    c.fail('job', 'APIARY_RECEIPT_JOB_INVALID', `job.${issue?.path.join('.')}: ${issue?.message}`)
    return finish()
  }
  c.check(
    'job',
    epochOfJobId(job.data.id) === r.epoch && job.data.source.chain_id === r.chain_id,
    'APIARY_RECEIPT_JOB_INVALID',
    `job ${job.data.id} of epoch ${r.epoch} on chain ${r.chain_id}`,
    `job ${job.data.id} (chain ${job.data.source.chain_id}) is not a job of epoch ${r.epoch} on chain ${r.chain_id}`,
  )
  const root = jobProofRoot(job.data, r.proof)
  c.check(
    'proof',
    root === r.job_root,
    'APIARY_RECEIPT_PROOF_INVALID',
    `the job and its ${r.proof.length}-step proof lead to ${r.job_root}`,
    `the job and its proof lead to ${root}, not to ${r.job_root}`,
  )
  const seal = parseSignatureFile(r.seal)
  if (seal === undefined) {
    c.fail('seal', 'APIARY_RECEIPT_SEAL_UNREADABLE', 'the seal is not a SIGNATURE.txt of an epoch bundle')
    return finish()
  }
  out.signer = seal.signer
  out.sealedJobRoot = r.job_root
  const sealed = {
    root: sealField(seal.message, 'Job root'),
    epoch: sealField(seal.message, 'Epoch'),
    chain: sealField(seal.message, 'Chain'),
  }
  c.check(
    'seal',
    sealed.root === r.job_root && sealed.epoch === String(r.epoch) && sealed.chain === String(r.chain_id),
    'APIARY_RECEIPT_ROOT_NOT_SEALED',
    `the seal names the job root ${r.job_root} of epoch ${r.epoch}`,
    `the seal names job root ${sealed.root} of epoch ${sealed.epoch} on chain ${sealed.chain}; the receipt says ${r.job_root} of epoch ${r.epoch} on chain ${r.chain_id}`,
  )
  await checkReceiptSignature(c, seal, options.expectedSigner)
  return finish()
}
