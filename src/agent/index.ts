export {
  type Agent,
  type AgentCoordinator,
  type AgentOptions,
  type AgentPayout,
  type AgentStatus,
  createAgent,
} from './createAgent.ts'
export {
  type ChatBackend,
  type ChatBackendOptions,
  type ChatPart,
  createChatBackend,
} from './llm/index.ts'
export {
  BUILTIN_HANDLERS,
  createMessenger,
  type InboundMessage,
  type MessageHandler,
  type MessageReply,
  type Messenger,
  type MessengerOptions,
  type MessengerStatus,
} from './messenger/index.ts'
export { openAgentState, openStateStore, type StateStore, type StateSyncStatus } from './state/index.ts'
