export { canonicalChanges, changesFromDiff } from './accountChanges.ts'
export { answerTask } from './answerTask.ts'
export { resultFromVerdict } from './resultFromVerdict.ts'
export { type SignRegistrationParameters, signRegistration } from './signRegistration.ts'
export {
  type ReceivedStateDiff,
  type StateDiffSource,
  stateDiffFromMessage,
  stateDiffToMessage,
} from './stateDiffMessage.ts'
export { type WalletBinding, walletBindingMessage } from './walletBindingMessage.ts'
export { witnessFromMessage } from './witnessFromMessage.ts'
export { witnessToMessage } from './witnessToMessage.ts'
