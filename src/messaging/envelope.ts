import { z } from 'zod'

/** The payload format's version: its first byte (docs/spec/message.md#payload). */
export const MESSAGE_VERSION = 0x01
export const MODE_PLAIN = 0x00
export const MODE_ENCRYPTED = 0x01
/** Readers reject payloads larger than this without looking inside. */
export const MAX_PAYLOAD_BYTES = 4096
/** The AgentRegistry metadata key under which an agent publishes the public key messages are encrypted to. */
export const MESSAGING_KEY = 'messagingKey'

export const envelopeSchema = z.object({
  type: z.string().regex(/^[a-z0-9][a-z0-9._:/-]{0,63}$/, 'lower-case letters, digits and . _ : / -, ≤ 64'),
  body: z.string().default(''),
  reply_to: z
    .string()
    .regex(/^(0|[1-9][0-9]{0,77})$/, 'a message id in decimal')
    .optional(),
  timestamp: z
    .number()
    .int()
    .min(1)
    .max(2 ** 40 - 1),
  ack: z.boolean().default(false),
})

/** What a message says (docs/spec/message.md#envelope). */
export type Envelope = z.output<typeof envelopeSchema>
/** An envelope as written by a sender: body and ack may be left out. */
export type EnvelopeInput = z.input<typeof envelopeSchema>

export type MessageRejectionCode =
  | 'MESSAGE_TOO_LARGE'
  | 'MESSAGE_MALFORMED'
  | 'MESSAGE_VERSION_UNSUPPORTED'
  | 'MESSAGE_UNDECRYPTABLE'

/** Why a payload was not accepted; it never stops a reader. */
export interface MessageRejection {
  code: MessageRejectionCode
  message: string
}

/** The built-in message types; every other valid type is an application's. */
export const BUILTIN_TYPES = ['ping', 'pong', 'text', 'ack'] as const
