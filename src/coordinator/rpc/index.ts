export { buildSwarmRpc, type SwarmRpcDependencies } from './buildSwarmRpc.ts'
