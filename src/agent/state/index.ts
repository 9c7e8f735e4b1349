export {
  type LoadReport,
  openStateStore,
  type StateDiff,
  type StateHead,
  type StateStore,
  type StoredAccount,
} from './openStateStore.ts'
