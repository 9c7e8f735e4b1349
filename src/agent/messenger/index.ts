export {
  BUILTIN_HANDLERS,
  createMessenger,
  type InboundMessage,
  type MessageHandler,
  type MessageReply,
  type Messenger,
  type MessengerOptions,
  type MessengerStatus,
} from './createMessenger.ts'
