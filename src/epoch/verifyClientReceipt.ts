import { hash } from 'node:crypto'
import { verifyChargeProof } from './buildChargeTree.ts'
import { proofRoot } from './buildJobTree.ts'
import { BUNDLE_VERSION, summarySchema } from './bundleSchema.ts'
import { checkReceiptSignature } from './checkReceiptSignature.ts'
import { clientJobLeaf, clientJobRecordSchema } from './clientJobRecord.ts'
import { type ClientReceipt, clientReceiptSchema } from './clientReceipt.ts'
import { parseSignatureFile, sealField } from './sealMessage.ts'
import { createChecks, type VerificationReport } from './verification.ts'

export interface ClientReceiptVerificationReport extends VerificationReport {
  receipt?: ClientReceipt
  signer?: string
  /** The validation job root the seal names: what the on-chain anchor records. */
  sealedJobRoot?: string | undefined
}

/**
 * Verifies a client job's receipt offline (docs/spec/bundle.md#client-receipt): the job record and its proof
 * against the client job root; SUMMARY.json, whose hash the seal signs, naming that root for this epoch and
 * chain; the client's charge and its proof against SUMMARY's charge root (the root JobEscrow.charge
 * recorded), at least the job's fee; and the seal's EIP-191 signature.
 */
export async function verifyClientReceipt(
  input: unknown,
  options: { expectedSigner?: string | undefined } = {},
): Promise<ClientReceiptVerificationReport> {
  const c = createChecks()
  const out: ClientReceiptVerificationReport = { valid: false, checks: c.checks }
  const finish = () => Object.assign(out, { valid: c.report().valid })
  const parsed = clientReceiptSchema.safeParse(input)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    c.fail('receipt', 'APIARY_RECEIPT_INVALID', `${issue?.path.join('.') || '(root)'}: ${issue?.message}`)
    return finish()
  }
  const r = parsed.data
  out.receipt = r
  c.pass('receipt', `receipt of a client job of epoch ${r.epoch}`)
  const job = clientJobRecordSchema.safeParse(r.job)
  if (!job.success) {
    const issue = job.error.issues[0]
    c.fail('job', 'APIARY_RECEIPT_JOB_INVALID', `job.${issue?.path.join('.')}: ${issue?.message}`)
    return finish()
  }
  const j = job.data
  c.pass('job', `${j.type} job ${j.id} of client ${j.client}, fee ${j.fee} (${j.asset})`)
  const root = proofRoot(clientJobLeaf(j), r.proof)
  c.check(
    'proof',
    root === r.client_job_root,
    'APIARY_RECEIPT_PROOF_INVALID',
    `the job and its ${r.proof.length}-step proof lead to ${r.client_job_root}`,
    `the job and its proof lead to ${root}, not to ${r.client_job_root}`,
  )
  let summaryValue: unknown
  try {
    summaryValue = JSON.parse(r.summary)
  } catch {
    summaryValue = undefined
  }
  const summary = summarySchema.safeParse(summaryValue)
  const s = summary.success && summary.data.version === BUNDLE_VERSION ? summary.data : undefined
  if (s === undefined || s.client_jobs === undefined || s.charges === undefined) {
    c.fail('summary', 'APIARY_RECEIPT_SUMMARY_INVALID', `the summary is not a ${BUNDLE_VERSION} SUMMARY.json`)
    return finish()
  }
  c.check(
    'summary',
    s.epoch === r.epoch && s.chain_id === r.chain_id && s.client_jobs.merkle_root === r.client_job_root,
    'APIARY_RECEIPT_ROOT_NOT_SEALED',
    `SUMMARY.json names the client job root ${r.client_job_root} of epoch ${r.epoch}`,
    `SUMMARY.json names client job root ${s.client_jobs.merkle_root} of epoch ${s.epoch} on chain ${s.chain_id}; the receipt says ${r.client_job_root} of epoch ${r.epoch} on chain ${r.chain_id}`,
  )
  const leaf = { client: j.client, asset: r.charge.asset, amount: BigInt(r.charge.amount) }
  const chargeOk =
    r.charge.asset === j.asset &&
    r.charge.root === s.charges[r.charge.asset] &&
    leaf.amount >= BigInt(j.fee) &&
    verifyChargeProof(r.charge.root, leaf, r.charge.proof)
  c.check(
    'charge',
    chargeOk,
    'APIARY_RECEIPT_CHARGE_INVALID',
    `${j.client} was charged ${r.charge.amount} (${r.charge.asset}) in the epoch, under the charge root ${r.charge.root}`,
    `the charge of ${r.charge.amount} (${r.charge.asset}) to ${j.client} is not a leaf of SUMMARY's ${r.charge.asset} charge root ${s.charges[r.charge.asset]} covering the job's fee of ${j.fee} (${j.asset})`,
  )
  const seal = parseSignatureFile(r.seal)
  if (seal === undefined) {
    c.fail('seal', 'APIARY_RECEIPT_SEAL_UNREADABLE', 'the seal is not a SIGNATURE.txt of an epoch bundle')
    return finish()
  }
  out.signer = seal.signer
  out.sealedJobRoot = sealField(seal.message, 'Job root')
  const digest = `sha256:${hash('sha256', r.summary, 'hex')}`
  const sealed = sealField(seal.message, 'SUMMARY.json')
  c.check(
    'seal',
    sealed === digest &&
      sealField(seal.message, 'Epoch') === String(r.epoch) &&
      sealField(seal.message, 'Chain') === String(r.chain_id),
    'APIARY_RECEIPT_ROOT_NOT_SEALED',
    `the seal signs this SUMMARY.json (${digest}) of epoch ${r.epoch}`,
    `the seal signs SUMMARY.json ${sealed} of epoch ${sealField(seal.message, 'Epoch')}; the receipt's summary is ${digest} of epoch ${r.epoch}`,
  )
  await checkReceiptSignature(c, seal, options.expectedSigner)
  return finish()
}
