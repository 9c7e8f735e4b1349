import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sha256 } from '@noble/hashes/sha2.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { toHex } from './bytes.ts'
import { createEngineCrypto } from './crypto.ts'

test('the native and pure-JS backends hash alike, for plain Uint8Arrays and subarrays of every length', () => {
  const native = createEngineCrypto({ backend: 'native' })
  const js = createEngineCrypto({ backend: 'js' })
  assert.equal(native.backend, 'native')
  assert.equal(
    toHex(native.keccak256(new Uint8Array(0))),
    '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
  )
  const data = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31 + 7) & 0xff)
  for (const length of [1, 31, 32, 135, 136, 137, 1000, 4999]) {
    const slice = data.subarray(3, 3 + length)
    assert.equal(toHex(native.keccak256(slice)), toHex(keccak_256(slice)), `length ${length}`)
    assert.equal(toHex(js.keccak256(slice)), toHex(keccak_256(slice)))
    assert.equal(toHex(native.sha256(slice)), toHex(sha256(slice)), `sha256, length ${length}`)
  }
  assert.equal(Object.getPrototypeOf(native.sha256(data)), Uint8Array.prototype, 'a plain Uint8Array')
  // results are not views of a shared buffer
  const a = native.keccak256(Uint8Array.of(1))
  native.keccak256(Uint8Array.of(2))
  assert.equal(toHex(a), toHex(keccak_256(Uint8Array.of(1))))
})

test('the native and pure-JS backends recover the same public key', () => {
  const hash = keccak_256(Uint8Array.of(1, 2, 3))
  const r = 0x28ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276n
  const s = 0x67cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83n
  const signature = Uint8Array.from(
    Buffer.from(r.toString(16).padStart(64, '0') + s.toString(16).padStart(64, '0'), 'hex'),
  )
  for (const recovery of [0, 1]) {
    const a = createEngineCrypto({ backend: 'native' }).recoverPublicKey(hash, signature, recovery)
    const b = createEngineCrypto({ backend: 'js' }).recoverPublicKey(hash, signature, recovery)
    assert.ok(a !== undefined)
    assert.equal(toHex(a), toHex(b as Uint8Array))
  }
  assert.equal(createEngineCrypto().recoverPublicKey(hash, new Uint8Array(64), 0), undefined)
})
