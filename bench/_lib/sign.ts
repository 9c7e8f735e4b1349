import { secp256k1 } from '@noble/curves/secp256k1.js'
import {
  bytesToBigInt,
  decodeTransaction,
  type EngineCrypto,
  encodeTransaction,
  type TransactionFields,
  toHex,
} from '../../src/validation/index.ts'

export type UnsignedTransaction = Omit<TransactionFields, 'v' | 'r' | 's'>

/** Signs a transaction with a private key: our encoder and decoder give the signing payload, noble signs. */
export function signTransaction(
  crypto: EngineCrypto,
  tx: UnsignedTransaction,
  privateKey: Uint8Array,
): Uint8Array {
  const placeholder = encodeTransaction({ ...tx, v: tx.type === 0 ? 27n : 0n, r: 1n, s: 1n })
  const { signingPayload } = decodeTransaction({ raw: placeholder })
  const signature = secp256k1.sign(crypto.keccak256(signingPayload), privateKey, {
    prehash: false,
    format: 'recovered',
  })
  const recovery = BigInt(signature[0] as number)
  const r = bytesToBigInt(signature.subarray(1, 33))
  const s = bytesToBigInt(signature.subarray(33, 65))
  const v =
    tx.type !== 0 ? recovery : tx.chainId === undefined ? 27n + recovery : tx.chainId * 2n + 35n + recovery
  return encodeTransaction({ ...tx, v, r, s })
}

export function addressOfKey(crypto: EngineCrypto, privateKey: Uint8Array): `0x${string}` {
  return toHex(crypto.keccak256(secp256k1.getPublicKey(privateKey, false).subarray(1)).subarray(12))
}
