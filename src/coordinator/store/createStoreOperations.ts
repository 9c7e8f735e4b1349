import type { Kysely } from 'kysely'
import { createAgentStore } from './createAgentStore.ts'
import { createChainStore } from './createChainStore.ts'
import { createEpochStore } from './createEpochStore.ts'
import { createFeeStore } from './createFeeStore.ts'
import { createJobStore } from './createJobStore.ts'
import { createLeaseStore } from './createLeaseStore.ts'
import { createMetaStore } from './createMetaStore.ts'
import { createOutboxStore } from './createOutboxStore.ts'
import { createSealStore } from './createSealStore.ts'
import { createWorkStore } from './createWorkStore.ts'
import type { StoreDialect } from './migrations.ts'
import type { Database } from './schema.ts'

/** The store's operations by domain, over the database or over one transaction. */
export function createStoreOperations(db: Kysely<Database>, dialect: StoreDialect) {
  return {
    agents: createAgentStore(db),
    work: createWorkStore(db),
    chain: createChainStore(db),
    epochs: createEpochStore(db),
    seals: createSealStore(db),
    meta: createMetaStore(db),
    outbox: createOutboxStore(db),
    jobs: createJobStore(db),
    fees: createFeeStore(db),
    leases: createLeaseStore(db, dialect),
  }
}

export type StoreOperations = ReturnType<typeof createStoreOperations>
