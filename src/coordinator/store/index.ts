export { createWriteBatcher, type WriteBatcher } from './createWriteBatcher.ts'
export { openStore, probeWrite, type Store } from './openStore.ts'
export type {
  AgentsTable,
  Database,
  EpochAgentsTable,
  EpochsTable,
  EpochUptimeTable,
  InclusionsTable,
  ResultsTable,
  SealRow,
  SealsTable,
} from './schema.ts'
