import type { Hex } from 'viem'
import type { BundleVerificationReport, VerificationCheck } from '../../epoch/index.ts'
import { anchorArguments } from './anchorArguments.ts'
import { checkAnchor } from './checkAnchor.ts'

/**
 * The `anchor` check of a verified bundle: the EpochRegistry (`registry`, else the one SUMMARY.json names)
 * must hold a `Sealed` event for its epoch with its job root, payout root, CID and deposit, sent by its
 * signer. Used by `apiary verify bundle --rpc` and by the explorer in the browser.
 */
export async function checkBundleAnchor(
  rpcUrl: string,
  report: BundleVerificationReport,
  registry?: Hex | undefined,
): Promise<VerificationCheck> {
  const named = registry ?? (report.registry as Hex | null | undefined)
  if (report.epoch === undefined)
    return { id: 'anchor', ok: false, code: 'APIARY_ANCHOR_MISSING', message: 'the bundle names no epoch' }
  if (named == null)
    return {
      id: 'anchor',
      ok: false,
      code: 'APIARY_ANCHOR_MISSING',
      message: 'the bundle names no EpochRegistry: give the registry',
    }
  const summary = report.summary
  const onChain =
    summary === undefined
      ? undefined
      : anchorArguments({
          epoch: summary.epoch,
          jobRoot: summary.jobs.merkle_root,
          payoutRoot: summary.payouts.root,
          cid: report.cid ?? '',
          model: summary.params.model,
          distributed: BigInt(summary.treasury.distributed),
        })
  const { check } = await checkAnchor(rpcUrl, {
    registry: named,
    epoch: report.epoch,
    jobRoot: report.jobRoot ?? '',
    payoutRoot: onChain?.args[2],
    cid: report.cid,
    deposit: onChain?.value,
    signer: report.signer,
  })
  return check
}
