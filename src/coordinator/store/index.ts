export type { AgentRegistration, AgentStore } from './createAgentStore.ts'
export type { ChainStore, NewTransaction } from './createChainStore.ts'
export type {
  EpochExpiries,
  EpochListing,
  EpochStore,
  EpochWorkGroup,
  OwedEpoch,
} from './createEpochStore.ts'
export type { FeePaymentRow, FeeStore } from './createFeeStore.ts'
export type {
  ChargeBatchRow,
  JobChargeRow,
  JobResultRow,
  JobRow,
  JobStore,
} from './createJobStore.ts'
export type { LeaseStore, LeaseTerm } from './createLeaseStore.ts'
export type { MetaStore } from './createMetaStore.ts'
export type { OutboxRow, OutboxStore } from './createOutboxStore.ts'
export type { EpochWithSeal, SealStore } from './createSealStore.ts'
export type { StoreOperations } from './createStoreOperations.ts'
export type { NewAssignment, NewInclusion, NewResult, WorkStore, WorkTotals } from './createWorkStore.ts'
export type { StoreDialect } from './migrations.ts'
export { type OpenStoreParameters, openStore, type Store } from './openStore.ts'
export type {
  AgentsTable,
  Database,
  EpochAgentsTable,
  EpochsTable,
  EpochUptimeTable,
  InclusionsTable,
  JobState,
  ResultsTable,
  SealRow,
  SealsTable,
} from './schema.ts'
