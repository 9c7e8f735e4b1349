export { type DecodedPayload, decodePayload } from './decodePayload.ts'
export { encodePayload } from './encodePayload.ts'
export {
  BUILTIN_TYPES,
  type Envelope,
  type EnvelopeInput,
  MAX_PAYLOAD_BYTES,
  MESSAGING_KEY,
  type MessageRejection,
  type MessageRejectionCode,
} from './envelope.ts'
export { type ListedAgent, listAgents } from './listAgents.ts'
export { messageJson } from './messageJson.ts'
export {
  checkMessagingKey,
  lookupMessagingKey,
  type MessagingKey,
  mailboxRegistry,
  messagingPublicKey,
  publishMessagingKey,
} from './messagingKey.ts'
export { type MessageRecord, readMessages } from './readMessages.ts'
export { type SendMessageParameters, type SendMessageReturnType, sendMessage } from './sendMessage.ts'
export { waitForReply } from './waitForReply.ts'
