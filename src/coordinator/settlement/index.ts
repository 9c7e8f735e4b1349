export {
  createSettler,
  SETTLEMENT_CHUNK_AGENTS,
  type Settler,
  type SettlerDependencies,
  type SettlerStatus,
} from './createSettler.ts'
