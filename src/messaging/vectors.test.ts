import assert from 'node:assert/strict'
import { createDecipheriv, createECDH, hkdfSync } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { type Address, type Hex, hexToBytes, toHex } from 'viem'
import { decodePayload } from './decodePayload.ts'
import { encodePayload } from './encodePayload.ts'
import type { Envelope } from './envelope.ts'

const vectors = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'spec', 'vectors', 'message.json'), 'utf8'),
) as {
  from: Address
  to: Address
  envelopes: {
    name: string
    payload: Hex
    result: { status: 'ok'; envelope: Envelope } | { status: 'rejected'; code: string }
  }[]
  encrypted: {
    recipient_private_key: Hex
    recipient_public_key: Hex
    ephemeral_private_key: Hex
    from: Address
    to: Address
    envelope: Envelope
    payload: Hex
    tampered: {
      name: string
      code: string
      recipient_private_key?: Hex
      from?: Address
      flip_byte?: number
      truncate?: number
    }[]
  }[]
}

test('message vectors: every payload reads as the spec says, and ok envelopes encode to the same bytes', () => {
  for (const v of vectors.envelopes) {
    const got = decodePayload({ payload: v.payload, from: vectors.from, to: vectors.to })
    if (v.result.status === 'ok') {
      assert.deepEqual(got, { status: 'ok', envelope: v.result.envelope, encrypted: false }, v.name)
      if (!v.name.startsWith('unknown members'))
        assert.equal(encodePayload({ envelope: v.result.envelope }), v.payload, v.name)
    } else assert.equal(got.status === 'rejected' && got.code, v.result.code, v.name)
  }
})

test('encrypted vector: the code seals to the same bytes, and OpenSSL alone opens them by the spec', () => {
  for (const v of vectors.encrypted) {
    const sealed = encodePayload({
      envelope: v.envelope,
      encryptTo: { publicKey: v.recipient_public_key, from: v.from, to: v.to },
      ephemeralKey: v.ephemeral_private_key,
    })
    assert.equal(sealed, v.payload)
    // Independent path: node:crypto's ECDH (OpenSSL), HKDF and AES-256-GCM, following docs/spec/message.md.
    const bytes = Buffer.from(hexToBytes(v.payload))
    assert.deepEqual([...bytes.subarray(0, 2)], [1, 1])
    const ephemeral = bytes.subarray(2, 35)
    const ecdh = createECDH('secp256k1')
    ecdh.setPrivateKey(Buffer.from(hexToBytes(v.recipient_private_key)))
    assert.equal(toHex(ecdh.getPublicKey(null, 'compressed')), v.recipient_public_key)
    const z = ecdh.computeSecret(ephemeral)
    const okm = Buffer.from(
      hkdfSync(
        'sha256',
        z,
        Buffer.concat([ephemeral, hexToBytes(v.recipient_public_key)]),
        'apiary-message-v1',
        44,
      ),
    )
    const decipher = createDecipheriv('aes-256-gcm', okm.subarray(0, 32), okm.subarray(32))
    decipher.setAAD(Buffer.concat([bytes.subarray(0, 2), hexToBytes(v.from), hexToBytes(v.to)]))
    decipher.setAuthTag(bytes.subarray(bytes.length - 16))
    const json = Buffer.concat([decipher.update(bytes.subarray(35, bytes.length - 16)), decipher.final()])
    assert.deepEqual(JSON.parse(json.toString('utf8')), v.envelope)
    assert.deepEqual(
      decodePayload({ payload: v.payload, from: v.from, to: v.to, privateKey: v.recipient_private_key }),
      { status: 'ok', envelope: v.envelope, encrypted: true },
    )
    assert.deepEqual(decodePayload({ payload: v.payload, from: v.from, to: v.to }), { status: 'encrypted' })
    for (const t of v.tampered) {
      const payload = Buffer.from(hexToBytes(v.payload))
      if (t.flip_byte !== undefined) payload[t.flip_byte] = (payload[t.flip_byte] as number) ^ 1
      const got = decodePayload({
        payload: t.truncate === undefined ? payload : payload.subarray(0, t.truncate),
        from: t.from ?? v.from,
        to: v.to,
        privateKey: t.recipient_private_key ?? v.recipient_private_key,
      })
      assert.equal(got.status === 'rejected' && got.code, t.code, t.name)
    }
  }
})

test('payloads over 4,096 bytes are rejected unread, and the encoder refuses to make one', () => {
  const big = new Uint8Array(4097).fill(0x20)
  big.set([1, 0])
  assert.equal(
    (decodePayload({ payload: big, from: vectors.from, to: vectors.to }) as { code: string }).code,
    'MESSAGE_TOO_LARGE',
  )
  assert.throws(
    () => encodePayload({ envelope: { type: 'text', body: 'x'.repeat(4096), timestamp: 1 } }),
    /limit is 4096/,
  )
  assert.throws(
    () => encodePayload({ envelope: { type: 'Text', timestamp: 1 } }),
    /APIARY_MESSAGE_INVALID|type/,
  )
})
