export {
  buildSwarmRpc,
  MAX_IN_FLIGHT,
  MAX_RESULTS_PER_CALL,
  type SwarmRpcDependencies,
} from './buildSwarmRpc.ts'
export {
  createGrpcServer,
  DEFAULT_GRPC_LIMITS,
  type GrpcLimits,
  type GrpcServer,
} from './createGrpcServer.ts'
