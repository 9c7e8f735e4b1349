import { type Address, type Hex, hexToBytes, toHex } from 'viem'
import { ApiaryError } from '../internal/errors.ts'
import { eciesEncrypt } from './ecies.ts'
import {
  type EnvelopeInput,
  envelopeSchema,
  MAX_PAYLOAD_BYTES,
  MESSAGE_VERSION,
  MODE_ENCRYPTED,
  MODE_PLAIN,
} from './envelope.ts'

export interface EncodePayloadParameters {
  envelope: EnvelopeInput
  /** Encrypts the envelope to this public key (33 bytes compressed); from and to are bound into it. */
  encryptTo?: { publicKey: Hex; from: Address; to: Address } | undefined
  /** Only for test vectors: a fixed ephemeral secret key. */
  ephemeralKey?: Hex | undefined
}

/**
 * A Mailbox payload (docs/spec/message.md#payload): version, mode and the envelope as JSON, in plain or
 * ECIES-encrypted. An envelope that breaks a rule, or a payload over 4,096 bytes, is refused here
 * (`APIARY_MESSAGE_INVALID`) rather than sent for every reader to reject.
 */
export function encodePayload({ envelope, encryptTo, ephemeralKey }: EncodePayloadParameters): Hex {
  const checked = envelopeSchema.safeParse(envelope)
  if (!checked.success)
    throw new ApiaryError(
      'APIARY_MESSAGE_INVALID',
      `invalid message: ${checked.error.issues[0]?.path.join('.')}: ${checked.error.issues[0]?.message}`,
      {
        usage: true,
      },
    )
  const { type, body, reply_to, timestamp, ack } = checked.data
  const json = new TextEncoder().encode(
    JSON.stringify({
      type,
      ...(body === '' ? {} : { body }),
      ...(reply_to === undefined ? {} : { reply_to }),
      timestamp,
      ...(ack ? { ack } : {}),
    }),
  )
  let payload: Uint8Array
  if (encryptTo === undefined) payload = Buffer.concat([Uint8Array.of(MESSAGE_VERSION, MODE_PLAIN), json])
  else {
    const header = Uint8Array.of(MESSAGE_VERSION, MODE_ENCRYPTED)
    const content = eciesEncrypt({
      recipientKey: hexToBytes(encryptTo.publicKey),
      plaintext: json,
      aad: messageAad(header, encryptTo.from, encryptTo.to),
      ...(ephemeralKey === undefined ? {} : { ephemeralKey: hexToBytes(ephemeralKey) }),
    })
    payload = Buffer.concat([header, content])
  }
  if (payload.length > MAX_PAYLOAD_BYTES)
    throw new ApiaryError(
      'APIARY_MESSAGE_INVALID',
      `the message is ${payload.length} bytes; the limit is ${MAX_PAYLOAD_BYTES}`,
      { usage: true },
    )
  return toHex(payload)
}

/** The associated data of an encrypted payload: its two header bytes, then from and to (20 bytes each). */
export function messageAad(header: Uint8Array, from: Address, to: Address): Uint8Array {
  return Buffer.concat([header, hexToBytes(from), hexToBytes(to)])
}
