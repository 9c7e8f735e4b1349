export {
  type Agent,
  type AgentCoordinator,
  type AgentOptions,
  type AgentPayout,
  type AgentStatus,
  createAgent,
} from './createAgent.ts'
