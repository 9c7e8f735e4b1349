export { addStorageRoots } from './addStorageRoots.ts'
export {
  type BlockExecutor,
  createBlockExecutor,
  type ExecutedTransaction,
  type PrestateAccount,
  type ReexecuteBlockContext,
  type ReexecuteBlockParameters,
  reexecuteBlock,
} from './reexecuteBlock.ts'
export {
  blockContextOf,
  buildWitness,
  type RpcBlock,
  type TraceWitnessParameters,
  traceWitness,
} from './traceWitness.ts'
