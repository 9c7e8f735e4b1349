export {
  buildWitness,
  type RpcBlock,
  type TraceWitnessParameters,
  traceWitness,
} from './traceWitness.ts'
