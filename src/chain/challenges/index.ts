export {
  type DeploySwarmContractsParameters,
  type DeploySwarmContractsReturnType,
  deploySwarmContracts,
} from './deploySwarmContracts.ts'
export { operatedAgent } from './operatedAgent.ts'
export {
  type RegisterAgentParameters,
  type RegisterAgentReturnType,
  registerAgent,
  registrationDataUri,
} from './registerAgent.ts'
export { setAgentMetadata } from './setAgentMetadata.ts'
