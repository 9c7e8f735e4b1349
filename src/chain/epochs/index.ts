export { anchorArguments, type SealToAnchor } from './anchorArguments.ts'
export { checkAnchor, type ExpectedAnchor } from './checkAnchor.ts'
export { checkBundleAnchor } from './checkBundleAnchor.ts'
export { type AnchoredReceipt, checkReceiptAnchor } from './checkReceiptAnchor.ts'
export {
  type ClaimSealedPayoutParameters,
  type ClaimSealedPayoutReturnType,
  claimSealedPayout,
} from './claimSealedPayout.ts'
export { type Anchor, readAnchor } from './readAnchor.ts'
