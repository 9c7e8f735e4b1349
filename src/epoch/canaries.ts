import { hash } from 'node:crypto'
import { type Hex, keccak256 } from 'viem'
import { privateKeyToAddress } from 'viem/accounts'

/**
 * What a canary is built to be: `valid`, or broken in one of the ways the engine checks. The expected answer
 * is always the engine's (a `nonce-too-high` canary is valid at L1, which does not read the nonce).
 */
export const CANARY_VARIANTS = [
  'valid',
  'bad-signature',
  'wrong-chain-id',
  'nonce-too-low',
  'nonce-too-high',
  'fee-too-low',
  'insufficient-balance',
] as const
export type CanaryVariant = (typeof CANARY_VARIANTS)[number]

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
