export { type RpcRequest, type TraceWitnessParameters, traceWitness } from './traceWitness.ts'
