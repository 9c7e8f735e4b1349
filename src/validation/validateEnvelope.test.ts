import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RLP } from '@ethereumjs/rlp'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bigIntToBytes, concatBytes, fromHex, toHex } from './bytes.ts'
import { createEngineCrypto } from './crypto.ts'
import { SECP256K1_N } from './recoverSigner.ts'
import { validateEnvelope } from './validateEnvelope.ts'

const crypto = createEngineCrypto()
const ctx = { crypto }

// EIP-155's worked example: nonce 9, 20 gwei, 21000 gas, 1 ether to 0x3535…, chain 1.
const EIP155_EXAMPLE =
  '0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83'
// docs/spec/vectors/witness-transfer.json: an EIP-1559 transfer from the ethereum/tests key 0x45a9…f2d8.
const EIP1559_TRANSFER =
  '0x02f86d018084773594008506fc23ac0082520894000000000000000000000000000000000000beef8203e880c001a0e74c494113ac60988ef8cef4fa38f11b4bfa73f5efd252b8f3cae5d271ccfedca07f82f1b37fe26f35740608ac9a15cb78beaaf6858f2b6f6e43ce93ace0f5c2b7'

function raw(hex: string): Uint8Array {
  return fromHex(hex) as Uint8Array
}

function legacyFields(): Uint8Array[] {
  return RLP.decode(raw(EIP155_EXAMPLE)) as Uint8Array[]
}

function rejectionCode(
  bytes: Uint8Array,
  params: { chainId?: bigint; fork?: 'cancun' | 'prague' | 'frontier' } = {},
) {
  const verdict = validateEnvelope(ctx, { raw: bytes, ...params })
  assert.equal(verdict.valid, false, 'expected a rejection')
  return verdict.valid ? undefined : verdict.reason.code
}

test('validateEnvelope() recovers the sender and hash of the EIP-155 example', () => {
  const verdict = validateEnvelope(ctx, { raw: raw(EIP155_EXAMPLE), chainId: 1n })
  assert.equal(verdict.valid, true)
  if (!verdict.valid) return
  assert.equal(verdict.sender, '0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f')
  assert.equal(verdict.hash, '0x33469b22e9f636356c4160a87eb19df52b7412e8eac32a4a55ffe88ea8350788')
  assert.equal(verdict.chainId, 1n)
  assert.equal(verdict.intrinsicGas, 21000n)
  assert.equal(verdict.tx.nonce, 9n)
  assert.equal(verdict.tx.value, 10n ** 18n)
})

test('validateEnvelope() decodes an EIP-1559 transfer with both ECDSA backends', () => {
  for (const backend of ['native', 'js'] as const) {
    const verdict = validateEnvelope(
      { crypto: createEngineCrypto({ backend }) },
      { raw: raw(EIP1559_TRANSFER) },
    )
    assert.equal(verdict.valid, true, backend)
    if (!verdict.valid) return
    assert.equal(verdict.sender, '0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b')
    assert.equal(verdict.type, 2)
    assert.equal(verdict.tx.maxPriorityFeePerGas, 2_000_000_000n)
    assert.equal(verdict.tx.maxFeePerGas, 30_000_000_000n)
  }
})

test('validateEnvelope() rejects a signature for another chain', () => {
  assert.equal(rejectionCode(raw(EIP155_EXAMPLE), { chainId: 5n }), 'TX_CHAIN_ID_MISMATCH')
})

test('validateEnvelope() rejects high-s signatures from Homestead on and accepts them in Frontier', () => {
  // A pre-EIP-155 transaction signed here with a known key, then put in its malleable form (r, n − s, v ^ 1).
  const key = fromHex('0x45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8') as Uint8Array
  const unsigned = [
    new Uint8Array(0),
    bigIntToBytes(10n),
    bigIntToBytes(21000n),
    new Uint8Array(20).fill(0x35),
    bigIntToBytes(1n),
    new Uint8Array(0),
  ]
  const signature = secp256k1.sign(crypto.keccak256(RLP.encode(unsigned)), key, {
    prehash: false,
    format: 'recovered',
  })
  const recovery = signature[0] as number
  const r = signature.subarray(1, 33)
  const s = BigInt(toHex(signature.subarray(33, 65)))
  const low = RLP.encode([...unsigned, Uint8Array.of(27 + recovery), r, bigIntToBytes(s)])
  const high = RLP.encode([...unsigned, Uint8Array.of(28 - recovery), r, bigIntToBytes(SECP256K1_N - s)])
  const sender = '0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b'
  const lowVerdict = validateEnvelope(ctx, { raw: low })
  assert.equal(lowVerdict.valid && lowVerdict.sender, sender)
  assert.equal(rejectionCode(high), 'TX_SIGNATURE_HIGH_S')
  const frontier = validateEnvelope(ctx, { raw: high, fork: 'frontier' })
  assert.equal(frontier.valid && frontier.sender, sender)
})

test('validateEnvelope() rejects r or s of zero or at the curve order', () => {
  const fields = legacyFields()
  assert.equal(
    rejectionCode(RLP.encode([...fields.slice(0, 7), new Uint8Array(0), fields[8] as Uint8Array])),
    'TX_SIGNATURE_R_INVALID',
  )
  assert.equal(
    rejectionCode(RLP.encode([...fields.slice(0, 8), bigIntToBytes(SECP256K1_N)])),
    'TX_SIGNATURE_S_INVALID',
  )
})

test('validateEnvelope() rejects a v that is neither 27/28 nor EIP-155', () => {
  const fields = legacyFields()
  fields[6] = Uint8Array.of(30)
  assert.equal(rejectionCode(RLP.encode(fields)), 'TX_SIGNATURE_V_INVALID')
})

test('validateEnvelope() rejects non-canonical integers and wrong field counts', () => {
  const fields = legacyFields()
  assert.equal(
    rejectionCode(RLP.encode([Uint8Array.of(0, 9), ...fields.slice(1)])),
    'TX_INTEGER_LEADING_ZEROS',
  )
  assert.equal(rejectionCode(RLP.encode(fields.slice(0, 8))), 'TX_FIELD_COUNT')
  assert.equal(rejectionCode(RLP.encode([...fields, new Uint8Array(0)])), 'TX_FIELD_COUNT')
  assert.equal(
    rejectionCode(RLP.encode([fields[0] as Uint8Array, [], ...fields.slice(2)])),
    'RLP_EXPECTED_BYTES',
  )
})

test('validateEnvelope() rejects out-of-range nonce and gas limit', () => {
  const fields = legacyFields()
  const max64 = bigIntToBytes((1n << 64n) - 1n)
  assert.equal(rejectionCode(RLP.encode([max64, ...fields.slice(1)])), 'TX_NONCE_TOO_LARGE')
  assert.equal(
    rejectionCode(RLP.encode([...fields.slice(0, 2), bigIntToBytes(1n << 64n), ...fields.slice(3)])),
    'TX_GAS_LIMIT_TOO_LARGE',
  )
  assert.equal(
    rejectionCode(RLP.encode([...fields.slice(0, 3), Uint8Array.of(1, 2, 3), ...fields.slice(4)])),
    'TX_ADDRESS_INVALID',
  )
})

test('validateEnvelope() rejects malformed RLP and trailing bytes', () => {
  assert.equal(rejectionCode(new Uint8Array(0)), 'TX_EMPTY')
  assert.equal(rejectionCode(concatBytes(raw(EIP155_EXAMPLE), Uint8Array.of(0))), 'RLP_MALFORMED')
  assert.equal(rejectionCode(raw(EIP155_EXAMPLE).subarray(0, 50)), 'RLP_MALFORMED')
  assert.equal(rejectionCode(Uint8Array.of(0x81, 0x05)), 'RLP_EXPECTED_LIST')
  assert.equal(rejectionCode(Uint8Array.of(0xf8, 0x01, 0x80)), 'RLP_NON_CANONICAL')
})

test('validateEnvelope() rejects unknown types and types not yet active in the fork', () => {
  assert.equal(rejectionCode(Uint8Array.of(0x05, 0xc0)), 'TX_TYPE_UNSUPPORTED')
  assert.equal(rejectionCode(Uint8Array.of(0x7f, 0xc0)), 'TX_TYPE_UNSUPPORTED')
  assert.equal(rejectionCode(raw(EIP1559_TRANSFER), { fork: 'frontier' }), 'TX_TYPE_UNSUPPORTED')
})

test('validateEnvelope() rejects a yParity other than 0 or 1', () => {
  const payload = RLP.decode(raw(EIP1559_TRANSFER).subarray(1)) as Uint8Array[]
  payload[9] = Uint8Array.of(2)
  assert.equal(rejectionCode(concatBytes(Uint8Array.of(2), RLP.encode(payload))), 'TX_SIGNATURE_V_INVALID')
})

test('validateEnvelope() rejects a priority fee above the max fee', () => {
  const payload = RLP.decode(raw(EIP1559_TRANSFER).subarray(1)) as Uint8Array[]
  payload[2] = bigIntToBytes(40_000_000_000n)
  assert.equal(
    rejectionCode(concatBytes(Uint8Array.of(2), RLP.encode(payload))),
    'TX_PRIORITY_FEE_ABOVE_MAX_FEE',
  )
})
