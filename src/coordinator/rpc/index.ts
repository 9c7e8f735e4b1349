export { buildSwarmRpc, type SwarmRpcDependencies } from './buildSwarmRpc.ts'
export { createGrpcServer, type GrpcLimits, type GrpcServer } from './createGrpcServer.ts'
