export { openStore, type Store } from './openStore.ts'
export type { AgentsTable, Database } from './schema.ts'
