import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto'
import { secp256k1 } from '@noble/curves/secp256k1.js'

const INFO = 'apiary-message-v1'
const TAG_BYTES = 16
const POINT_BYTES = 33

/** ECIES over secp256k1, HKDF-SHA256 and AES-256-GCM (docs/spec/message.md#encryption-mode-0x01). */
export function eciesEncrypt({
  recipientKey,
  plaintext,
  aad,
  ephemeralKey = secp256k1.utils.randomSecretKey(),
}: {
  /** The recipient's public key, 33 bytes compressed. */
  recipientKey: Uint8Array
  plaintext: Uint8Array
  aad: Uint8Array
  /** Only for test vectors: a fixed ephemeral secret key. */
  ephemeralKey?: Uint8Array
}): Uint8Array {
  const ephemeral = secp256k1.getPublicKey(ephemeralKey, true)
  const shared = secp256k1.getSharedSecret(ephemeralKey, recipientKey, true).subarray(1)
  const { key, nonce } = deriveKey(shared, ephemeral, secp256k1.Point.fromBytes(recipientKey).toBytes(true))
  const cipher = createCipheriv('aes-256-gcm', key, nonce)
  cipher.setAAD(aad)
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return Buffer.concat([ephemeral, body, cipher.getAuthTag()])
}

/** Opens what eciesEncrypt sealed; undefined when it is too short, E is not a point or the tag fails. */
export function eciesDecrypt({
  privateKey,
  content,
  aad,
}: {
  privateKey: Uint8Array
  content: Uint8Array
  aad: Uint8Array
}): Uint8Array | undefined {
  if (content.length < POINT_BYTES + TAG_BYTES) return undefined
  const ephemeral = content.subarray(0, POINT_BYTES)
  try {
    const shared = secp256k1.getSharedSecret(privateKey, ephemeral, true).subarray(1)
    const { key, nonce } = deriveKey(shared, ephemeral, secp256k1.getPublicKey(privateKey, true))
    const decipher = createDecipheriv('aes-256-gcm', key, nonce)
    decipher.setAAD(aad)
    decipher.setAuthTag(content.subarray(content.length - TAG_BYTES))
    return Buffer.concat([
      decipher.update(content.subarray(POINT_BYTES, content.length - TAG_BYTES)),
      decipher.final(),
    ])
  } catch {
    return undefined
  }
}

function deriveKey(shared: Uint8Array, ephemeral: Uint8Array, recipient: Uint8Array) {
  const okm = Buffer.from(hkdfSync('sha256', shared, Buffer.concat([ephemeral, recipient]), INFO, 44))
  return { key: okm.subarray(0, 32), nonce: okm.subarray(32, 44) }
}
