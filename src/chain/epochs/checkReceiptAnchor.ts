import type { Hex } from 'viem'
import type { Receipt, VerificationCheck } from '../../epoch/index.ts'

/** What the anchor check needs of a receipt (of a validation or a client job). */
export type AnchoredReceipt = Pick<Receipt, 'anchor' | 'epoch' | 'cid'>

import { checkAnchor } from './checkAnchor.ts'

/**
 * The `anchor` check of a job receipt: the registry it names must hold a `Sealed` event for its epoch with
 * the same job root (the validation job root its seal names) and CID, sent by the seal's signer. A receipt
 * without an anchor fails it.
 */
export async function checkReceiptAnchor(
  rpcUrl: string,
  receipt: AnchoredReceipt,
  jobRoot: string,
  signer: string | undefined,
  read?: Parameters<typeof checkAnchor>[2],
): Promise<VerificationCheck> {
  if (receipt.anchor === null)
    return { id: 'anchor', ok: false, code: 'APIARY_ANCHOR_MISSING', message: 'the receipt names no anchor' }
  const { check } = await checkAnchor(
    rpcUrl,
    {
      registry: receipt.anchor.registry as Hex,
      epoch: receipt.epoch,
      jobRoot,
      cid: receipt.cid ?? undefined,
      signer,
    },
    read,
  )
  return check
}
