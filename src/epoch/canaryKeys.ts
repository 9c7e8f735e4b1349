import { hash } from 'node:crypto'
import { type Hex, keccak256 } from 'viem'
import { privateKeyToAddress } from 'viem/accounts'

/** The private key of canary `index` of a seed: keccak256(seed ‖ index as 8 bytes big-endian). */
export function canaryKey(seed: Uint8Array, index: number): Hex {
  const input = new Uint8Array(seed.length + 8)
  input.set(seed)
  new DataView(input.buffer).setBigUint64(seed.length, BigInt(index))
  return keccak256(input)
}

/** The sender address of canary `index` (lower case). */
export function canaryAddress(seed: Uint8Array, index: number): string {
  return privateKeyToAddress(canaryKey(seed, index)).toLowerCase()
}

/** What is published while an epoch is open: sha256 of its canary seed (0x hex). */
export function canaryCommitment(seedHex: string): string {
  return `0x${hash('sha256', Buffer.from(seedHex.slice(2), 'hex'), 'hex')}`
}
