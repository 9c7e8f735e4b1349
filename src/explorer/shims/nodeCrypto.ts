import { sha256 } from '@noble/hashes/sha2.js'
import { Buffer } from 'buffer'

/**
 * `node:crypto`'s one-shot `hash()` as `src/epoch/` uses it (sha256, hex or buffer), for the browser build:
 * esbuild aliases `node:crypto` to this file (scripts/build-explorer.mjs).
 */
export function hash(
  algorithm: string,
  data: string | Uint8Array,
  encoding: 'hex' | 'base64' | 'buffer' = 'hex',
) {
  if (algorithm !== 'sha256') throw new Error(`hash(${algorithm}) is not in the explorer's build`)
  const digest = Buffer.from(sha256(typeof data === 'string' ? new TextEncoder().encode(data) : data))
  return encoding === 'buffer' ? digest : digest.toString(encoding)
}
