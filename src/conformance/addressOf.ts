import { secp256k1 } from '@noble/curves/secp256k1.js'
import { type EngineCrypto, fromHex, type Hex, toHex } from '../validation/index.ts'

/** The address of a private key (0x-hex), for fixtures that give keys instead of senders. */
export function addressOf(crypto: EngineCrypto, privateKey: string): Hex {
  const key = fromHex(privateKey)
  if (key === undefined) throw new Error('private key is not hex')
  return toHex(crypto.keccak256(secp256k1.getPublicKey(key, false).subarray(1)).subarray(12))
}
