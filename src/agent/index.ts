export {
  type Agent,
  type AgentCoordinator,
  type AgentOptions,
  type AgentStatus,
  createAgent,
} from './createAgent.ts'
export * from './keystore/index.ts'
