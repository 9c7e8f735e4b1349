import type { EngineCrypto } from './crypto.ts'

export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

export interface RecoverSignerParameters {
  /** The bytes that were signed; their keccak is the message hash. */
  payload: Uint8Array
  r: bigint
  s: bigint
  recoveryId: number
}

export interface RecoverSignerReturnType {
  /** Uncompressed 65-byte public key. */
  publicKey: Uint8Array
  address: Uint8Array
}

/** Recovers the key and 20-byte address that signed `payload`, or undefined when no key recovers. */
export function recoverSigner(
  crypto: EngineCrypto,
  params: RecoverSignerParameters,
): RecoverSignerReturnType | undefined {
  if (params.recoveryId !== 0 && params.recoveryId !== 1) return undefined
  const signature = new Uint8Array(64)
  writeUint256(signature, 0, params.r)
  writeUint256(signature, 32, params.s)
  const publicKey = crypto.recoverPublicKey(crypto.keccak256(params.payload), signature, params.recoveryId)
  if (publicKey === undefined) return undefined
  return { publicKey, address: crypto.keccak256(publicKey.subarray(1)).subarray(12) }
}

function writeUint256(target: Uint8Array, offset: number, value: bigint): void {
  let v = value
  for (let i = 31; i >= 0; i--) {
    target[offset + i] = Number(v & 0xffn)
    v >>= 8n
  }
}
