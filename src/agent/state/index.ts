export { createL4Executor, type L4Dependencies, type L4Executor } from './createL4Executor.ts'
export { createStateSync, type StateSync, type StateSyncStatus } from './createStateSync.ts'
export { openAgentState } from './openAgentState.ts'
export {
  type LoadReport,
  openStateStore,
  STATE_HISTORY_BLOCKS,
  type StateDiff,
  type StateHead,
  type StateStore,
  type StoredAccount,
} from './openStateStore.ts'
