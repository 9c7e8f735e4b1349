export { canonicalChanges, changesFromDiff } from './accountChanges.ts'
export { resultFromVerdict } from './resultFromVerdict.ts'
export { witnessFromMessage } from './witnessFromMessage.ts'
export { witnessToMessage } from './witnessToMessage.ts'
