export { createWriteBatcher, type WriteBatcher } from './createWriteBatcher.ts'
export { openStore, type Store } from './openStore.ts'
export type {
  AgentsTable,
  Database,
  EpochAgentsTable,
  EpochsTable,
  InclusionsTable,
  ResultsTable,
} from './schema.ts'
