export {
  type LoadReport,
  openStateStore,
  type StateHead,
  type StateStore,
  type StoredAccount,
} from './openStateStore.ts'
