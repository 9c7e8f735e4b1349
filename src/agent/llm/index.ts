export {
  type ChatBackend,
  type ChatBackendOptions,
  type ChatPart,
  createChatBackend,
} from './createChatBackend.ts'
export { serveChat } from './serveChat.ts'
