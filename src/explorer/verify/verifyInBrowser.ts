import type { Hex } from 'viem'
import { checkBundleAnchor, checkReceiptAnchor } from '../../chain/epochs/index.ts'
import { type VerificationCheck, verifyBundleCar, verifyReceipt } from '../../epoch/index.ts'

/**
 * The CLI's verifiers (`apiary verify bundle|receipt`), run in the visitor's browser: this module is loaded
 * only when a verification starts (its own chunk). The anchor is read with viem from the RPC URL the visitor
 * gives; nothing but the CAR file itself is asked of the coordinator.
 */
export interface BrowserReport {
  valid: boolean
  checks: VerificationCheck[]
  facts: Record<string, string | number | undefined>
}

export async function verifyCarInBrowser(
  car: Uint8Array,
  options: { rpcUrl?: string | undefined; signer?: string | undefined } = {},
): Promise<BrowserReport> {
  const report = await verifyBundleCar(car, { expectedSigner: options.signer })
  if (options.rpcUrl !== undefined && report.epoch !== undefined)
    report.checks.push(await checkBundleAnchor(options.rpcUrl, report))
  return {
    valid: report.checks.every((c) => c.ok),
    checks: report.checks,
    facts: {
      epoch: report.epoch,
      cid: report.cid,
      signer: report.signer,
      registry: report.registry ?? undefined,
    },
  }
}

export async function verifyReceiptInBrowser(
  input: unknown,
  options: { rpcUrl?: string | undefined } = {},
): Promise<BrowserReport> {
  const report = await verifyReceipt(input)
  const r = report.receipt
  if (options.rpcUrl !== undefined && r !== undefined && report.sealedJobRoot !== undefined)
    report.checks.push(await checkReceiptAnchor(options.rpcUrl, r, report.sealedJobRoot, report.signer))
  return {
    valid: report.checks.every((c) => c.ok),
    checks: report.checks,
    facts: {
      epoch: r?.epoch,
      job: (r?.job as { id?: string } | undefined)?.id,
      signer: report.signer,
      registry: (r?.anchor?.registry as Hex | undefined) ?? undefined,
    },
  }
}
