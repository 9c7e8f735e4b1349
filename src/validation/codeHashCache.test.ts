import assert from 'node:assert/strict'
import { test } from 'node:test'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { toHex } from './bytes.ts'
import { createCodeHashCache } from './codeHashCache.ts'

test('createCodeHashCache() hashes each distinct code once and tells equal-length codes apart', () => {
  let calls = 0
  const cache = createCodeHashCache((data) => {
    calls++
    return keccak_256(data)
  }, 2)
  const a = Uint8Array.of(1, 2, 3)
  const b = Uint8Array.of(1, 2, 4)
  assert.equal(toHex(cache.codeHash(a)), toHex(keccak_256(a)))
  assert.equal(toHex(cache.codeHash(Uint8Array.of(1, 2, 3))), toHex(keccak_256(a)))
  assert.equal(calls, 1)
  assert.equal(toHex(cache.codeHash(b)), toHex(keccak_256(b)))
  assert.equal(calls, 2)
  cache.codeHash(Uint8Array.of(9)) // evicts `a`, the oldest
  cache.codeHash(Uint8Array.of(1, 2, 3))
  assert.equal(calls, 4)
  // a subarray view hashes as its own bytes
  assert.equal(toHex(cache.codeHash(Uint8Array.of(0, 1, 2, 4).subarray(1))), toHex(keccak_256(b)))
})
