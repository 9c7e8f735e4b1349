export {
  type Agent,
  type AgentCoordinator,
  type AgentOptions,
  type AgentStatus,
  createAgent,
} from './createAgent.ts'

