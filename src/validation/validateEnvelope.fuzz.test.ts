import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bigIntToBytes, fromHex } from './bytes.ts'
import { createEngineCrypto } from './crypto.ts'
import { encodeTransaction } from './encodeTransaction.ts'
import { REJECT_CODES } from './reasons.ts'
import type { DecodedTransaction } from './transaction.ts'
import { validateEnvelope } from './validateEnvelope.ts'

const ctx = { crypto: createEngineCrypto() }

/** mulberry32: a small seeded PRNG, so a failure reproduces from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const base: DecodedTransaction = {
  type: 2,
  chainId: 1n,
  nonce: 7n,
  maxFeePerGas: 30_000_000_000n,
  maxPriorityFeePerGas: 1_000_000_000n,
  gasLimit: 100_000n,
  to: new Uint8Array(20).fill(0xaa),
  value: 12345n,
  data: Uint8Array.from({ length: 68 }, (_, i) => i),
  accessList: [{ address: new Uint8Array(20).fill(1), storageKeys: [new Uint8Array(32).fill(2)] }],
  maxFeePerBlobGas: 5n,
  blobVersionedHashes: [Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : i))],
  authorizationList: [
    { chainId: 1n, address: new Uint8Array(20).fill(3), nonce: 0n, yParity: 1n, r: 5n, s: 6n },
  ],
  v: 1n,
  r: 0x28ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276n,
  s: 0x67cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83n,
  canonical: new Uint8Array(0),
  signingPayload: new Uint8Array(0),
  blobWrapper: undefined,
}

const seeds: Uint8Array[] = [
  fromHex(
    '0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83',
  ) as Uint8Array,
  ...([1, 2, 3, 4] as const).map((type) => encodeTransaction({ ...base, type })),
]

function mutate(input: Uint8Array, random: () => number): Uint8Array {
  const bytes = Uint8Array.from(input)
  const at = () => Math.floor(random() * bytes.length)
  switch (Math.floor(random() * 7)) {
    case 0: {
      const i = at()
      bytes[i] = (bytes[i] as number) ^ (1 << Math.floor(random() * 8))
      return bytes
    }
    case 1:
      bytes[at()] = Math.floor(random() * 256)
      return bytes
    case 2:
      return bytes.subarray(0, at())
    case 3: {
      const extra = Uint8Array.from({ length: 1 + Math.floor(random() * 40) }, () =>
        Math.floor(random() * 256),
      )
      const i = at()
      return Uint8Array.from([...bytes.subarray(0, i), ...extra, ...bytes.subarray(i)])
    }
    case 4: {
      const i = at()
      return Uint8Array.from([...bytes.subarray(0, i), ...bytes.subarray(i + 1 + Math.floor(random() * 8))])
    }
    case 5: {
      // a length prefix that claims far more than there is
      const i = at()
      bytes[i] = 0xb8 + Math.floor(random() * 8)
      return bytes
    }
    default:
      return Uint8Array.from([
        Math.floor(random() * 6),
        ...bigIntToBytes(BigInt(Math.floor(random() * 2 ** 48))),
        ...bytes.subarray(1),
      ])
  }
}

test('validateEnvelope() answers every random and mutated input with a verdict and a known code', {
  timeout: 120_000,
}, () => {
  const random = prng(0xa91a7)
  const seen = new Set<string>()
  let accepted = 0
  for (let i = 0; i < 30_000; i++) {
    let input: Uint8Array
    if (i % 5 === 0)
      input = Uint8Array.from({ length: Math.floor(random() * 300) }, () => Math.floor(random() * 256))
    else {
      input = seeds[i % seeds.length] as Uint8Array
      const rounds = 1 + Math.floor(random() * 3)
      for (let k = 0; k < rounds; k++) input = mutate(input, random)
    }
    const verdict = validateEnvelope(ctx, { raw: input })
    if (verdict.valid) {
      accepted++
      assert.match(verdict.sender, /^0x[0-9a-f]{40}$/)
    } else {
      assert.ok(verdict.reason.code in REJECT_CODES, `unknown code ${verdict.reason.code}`)
      assert.equal(typeof verdict.reason.message, 'string')
      seen.add(verdict.reason.code)
    }
  }
  // The mutations reach deep into the decoder, not just its first check.
  for (const code of ['RLP_MALFORMED', 'TX_TYPE_UNSUPPORTED', 'TX_FIELD_COUNT', 'TX_INTEGER_LEADING_ZEROS']) {
    assert.ok(seen.has(code), `no input was rejected with ${code}`)
  }
  assert.ok(accepted < 30_000)
})
