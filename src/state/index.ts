export { createTrieRoot, EMPTY_TRIE_ROOT, type TrieRoot, type TrieRootOptions } from './createTrieRoot.ts'
export { readSnapshot, type SnapshotEvent } from './readSnapshot.ts'
export {
  accountLeaf,
  EMPTY_CODE_HASH,
  type SnapshotAccount,
  type SnapshotHeader,
  slotLeaf,
} from './snapshotFormat.ts'
export { stateRootOf } from './stateRootOf.ts'
export { type SnapshotReport, verifySnapshot } from './verifySnapshot.ts'
export {
  type SnapshotCounts,
  type SnapshotSourceAccount,
  type WriteSnapshotParameters,
  writeSnapshot,
} from './writeSnapshot.ts'
