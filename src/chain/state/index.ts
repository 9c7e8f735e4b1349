export {
  applyBlockDiff,
  buildState,
  devnetGenesis,
  genesisFromAlloc,
  type State,
  snapshotAccounts,
} from './buildState.ts'
export { exportSnapshot } from './exportSnapshot.ts'
export { headerRlp, type RpcHeader } from './headerRlp.ts'
export {
  type AccountAfter,
  type BlockDiff,
  blockDiffFromTraces,
  type DiffBlock,
  type Prestate,
  readBlockDiff,
} from './readBlockDiff.ts'
