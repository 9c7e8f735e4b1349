export {
  applyBlockDiff,
  buildState,
  devnetGenesis,
  genesisFromAlloc,
  type State,
  snapshotAccounts,
} from './buildState.ts'
export { headerRlp, type RpcHeader } from './headerRlp.ts'
export { type AccountAfter, type BlockDiff, readBlockDiff } from './readBlockDiff.ts'
