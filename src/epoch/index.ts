export {
  BUNDLE_FILES,
  type BuildBundleParameters,
  type BundleAgent,
  type BundleCanaries,
  type BundleFileName,
  buildBundle,
  epochDirName,
  sha256Tag,
  type UnsignedBundle,
} from './buildBundle.ts'
export {
  buildChargeTree,
  CHARGE_ASSETS,
  type ChargeLeaf,
  type ChargeTree,
  verifyChargeProof,
} from './buildChargeTree.ts'
export {
  buildJobTree,
  buildTreeFromLeaves,
  EMPTY_JOB_ROOT,
  type JobProofStep,
  type JobTree,
  jobProofRoot,
  proofRoot,
} from './buildJobTree.ts'
export { buildPayoutTree, type PayoutLeaf, type PayoutTree, verifyPayoutProof } from './buildPayoutTree.ts'
export { type BundleCarReturnType, bundleCar } from './bundleCar.ts'
export {
  type AgentsFile,
  agentsFileSchema,
  BUNDLE_VERSION,
  BUNDLE_VERSION_2,
  type BundleCanary,
  bundleCanarySchema,
  jobsFileSchema,
  type Summary,
  summarySchema,
} from './bundleSchema.ts'
export {
  CANARY_VARIANTS,
  type CanaryVariant,
  canaryAddress,
  canaryCommitment,
  canaryKey,
} from './canaries.ts'
export {
  binomialTail,
  canarySkipsDeliberate,
  SKIP_FALSE_POSITIVE,
  type TaskExpiries,
} from './canarySkips.ts'
export { canonicalJson } from './canonicalJson.ts'
export { type CheckSealedFilesReturnType, checkSealedFiles } from './checkSealedFiles.ts'
export {
  type ClientJobProofParameters,
  type ClientJobRecord,
  clientCharges,
  clientJobLeaf,
  clientJobProof,
  clientJobRecordSchema,
} from './clientJobRecord.ts'
export {
  type BuildClientReceiptParameters,
  buildClientReceipt,
  CLIENT_RECEIPT_VERSION,
  type ClientReceipt,
  clientReceiptSchema,
} from './clientReceipt.ts'
export {
  type ComputePayoutsReturnType,
  computePayouts,
  DEFAULT_PAYOUT_PARAMETERS,
  type Payout,
  type PayoutInput,
  type PayoutParameters,
  type Treasury,
} from './computePayouts.ts'
export {
  type AgentEpochWork,
  type AgentWeight,
  computeWeights,
  DEFAULT_WEIGHT_PARAMETERS,
  type WeightParameters,
} from './computeWeights.ts'
export {
  epochOfJobId,
  type JobRecord,
  jobCanonicalJson,
  jobId,
  jobLeaf,
  jobPoints,
  jobRecordSchema,
} from './jobRecord.ts'
export { type ProofOfExecutionParameters, proofOfExecution } from './proofOfExecution.ts'
export { type ReadBundleCarReturnType, readBundleCar } from './readBundleCar.ts'
export {
  type BuildReceiptParameters,
  buildReceipt,
  RECEIPT_VERSION,
  type Receipt,
  receiptSchema,
} from './receipt.ts'
export {
  formatSealMessage,
  formatSignatureFile,
  parseSignatureFile,
  recoverSealSigner,
  type SealFields,
  type SignatureFile,
  sealField,
} from './sealMessage.ts'
export { type Bundle, signBundle } from './signBundle.ts'
export { type SplitDepositParameters, type SplitDepositReturnType, splitDeposit } from './splitDeposit.ts'
export { committedBeforeTruth, TASK_POINTS, type TaskKind, taskKindOf, taskPoints } from './taskPoints.ts'
export type { VerificationCheck, VerificationReport } from './verification.ts'
export { type BundleVerificationReport, type VerifyBundleOptions, verifyBundle } from './verifyBundle.ts'
export { verifyBundleCar } from './verifyBundleCar.ts'
export { type ClientReceiptVerificationReport, verifyClientReceipt } from './verifyClientReceipt.ts'
export { type ReceiptVerificationReport, verifyReceipt } from './verifyReceipt.ts'
