import { type Address, type Hex, hexToBytes } from 'viem'
import { eciesDecrypt } from './ecies.ts'
import { messageAad } from './encodePayload.ts'
import {
  type Envelope,
  envelopeSchema,
  MAX_PAYLOAD_BYTES,
  MESSAGE_VERSION,
  type MessageRejection,
  MODE_ENCRYPTED,
  MODE_PLAIN,
} from './envelope.ts'

export interface DecodePayloadParameters {
  payload: Hex | Uint8Array
  from: Address
  to: Address
  /** The recipient's private key, to open encrypted payloads. */
  privateKey?: Hex | undefined
}

export type DecodedPayload =
  | { status: 'ok'; envelope: Envelope; encrypted: boolean }
  /** Encrypted, and the reader has not the recipient's key. */
  | { status: 'encrypted' }
  | ({ status: 'rejected' } & MessageRejection)

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

/** Reads a Mailbox payload by the rules of docs/spec/message.md#reading-a-payload; never throws. */
export function decodePayload({ payload, from, to, privateKey }: DecodePayloadParameters): DecodedPayload {
  const bytes = typeof payload === 'string' ? hexToBytes(payload) : payload
  if (bytes.length > MAX_PAYLOAD_BYTES)
    return reject(
      'MESSAGE_TOO_LARGE',
      `the payload is ${bytes.length} bytes; the limit is ${MAX_PAYLOAD_BYTES}`,
    )
  if (bytes.length < 2) return reject('MESSAGE_MALFORMED', 'the payload is shorter than its 2-byte header')
  if (bytes[0] !== MESSAGE_VERSION)
    return reject(
      'MESSAGE_VERSION_UNSUPPORTED',
      `payload version ${bytes[0]} (this reader knows ${MESSAGE_VERSION})`,
    )
  const mode = bytes[1]
  let json: Uint8Array
  if (mode === MODE_PLAIN) json = bytes.subarray(2)
  else if (mode === MODE_ENCRYPTED) {
    if (privateKey === undefined) return { status: 'encrypted' }
    const opened = eciesDecrypt({
      privateKey: hexToBytes(privateKey),
      content: bytes.subarray(2),
      aad: messageAad(bytes.subarray(0, 2), from, to),
    })
    if (opened === undefined)
      return reject('MESSAGE_UNDECRYPTABLE', 'the encrypted payload does not open with the recipient key')
    json = opened
  } else return reject('MESSAGE_MALFORMED', `unknown payload mode ${mode}`)
  let value: unknown
  try {
    value = JSON.parse(decoder.decode(json))
  } catch {
    return reject('MESSAGE_MALFORMED', 'the envelope is not UTF-8 JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return reject('MESSAGE_MALFORMED', 'the envelope is not a JSON object')
  const checked = envelopeSchema.safeParse(value)
  if (!checked.success) {
    const issue = checked.error.issues[0]
    return reject('MESSAGE_MALFORMED', `envelope member ${issue?.path.join('.') || '?'}: ${issue?.message}`)
  }
  return { status: 'ok', envelope: checked.data, encrypted: mode === MODE_ENCRYPTED }
}

function reject(code: MessageRejection['code'], message: string): DecodedPayload {
  return { status: 'rejected', code, message }
}
