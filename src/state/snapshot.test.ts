import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { zstdCompressSync, zstdDecompressSync } from 'node:zlib'
import { RLP } from '@ethereumjs/rlp'
import { keccak_256 } from '@noble/hashes/sha3.js'
import fc from 'fast-check'
import { type AccountState, bigIntToBytes, createEngineCrypto, stateRoot } from '../validation/index.ts'
import { readSnapshot, type SnapshotSourceAccount, verifySnapshot, writeSnapshot } from './index.ts'

const crypto = createEngineCrypto({ backend: 'js' })
const dir = mkdtempSync(join(tmpdir(), 'apiary-snapshot-'))
const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`
const flip = (bytes: Buffer, at: number) => {
  bytes[at] = (bytes[at] as number) ^ 1
}
const VECTOR = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'spec', 'vectors', 'snapshot.json'), 'utf8'),
)

/** A block header's RLP (17 fields, as after London) with the given state root and number. */
function header(root: Uint8Array, number: bigint): Uint8Array {
  const fields: Uint8Array[] = Array.from({ length: 17 }, (_, i) => new Uint8Array(i === 2 ? 20 : 32))
  fields[3] = root
  fields[8] = bigIntToBytes(number)
  return RLP.encode(fields)
}

/** The accounts in snapshot order, and the reference root of the same state (@ethereumjs/mpt). */
async function stateOf(accounts: SnapshotSourceAccount[]) {
  const sorted = [...accounts].sort((a, b) => Buffer.compare(keccak_256(a.address), keccak_256(b.address)))
  const map = new Map<string, AccountState>(
    sorted.map((a) => [
      hex(a.address),
      {
        nonce: a.nonce,
        balance: a.balance,
        code: a.code,
        storage: new Map([...a.storage].map(([slot, value]) => [hex(slot), value])),
      },
    ]),
  )
  return { sorted, root: await stateRoot(crypto, map) }
}

const accountArbitrary = fc.record({
  address: fc.uint8Array({ minLength: 20, maxLength: 20 }),
  nonce: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  balance: fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
  code: fc.constantFrom(new Uint8Array(), Uint8Array.of(0x60, 0x00), Uint8Array.of(0x5f, 0x5f, 0xf3)),
  storage: fc.array(
    fc.tuple(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.bigInt({ min: 1n, max: 2n ** 256n - 1n })),
    { maxLength: 6 },
  ),
})

test('a snapshot written from any state reads back the same accounts, and verifies: its contents give the state root @ethereumjs/mpt gives (property)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(accountArbitrary, { selector: (a) => hex(a.address), maxLength: 25 }),
      async (list) => {
        const accounts = list.map((a) => ({
          ...a,
          storage: [...new Map(a.storage.map(([s, v]) => [hex(s), [s, v] as [Uint8Array, bigint]])).values()],
        }))
        const { sorted, root } = await stateOf(accounts)
        const path = join(dir, 'property.snap')
        const counts = await writeSnapshot({
          path,
          chainId: 31337n,
          header: header(root, 7n),
          accounts: sorted,
        })
        const report = await verifySnapshot(path)
        assert.equal(hex(report.stateRoot), hex(root))
        assert.deepEqual([report.accounts, report.slots], [sorted.length, counts.slots])
        assert.equal(report.number, 7n)
        const read = []
        for await (const event of readSnapshot(path)) if (event.kind === 'account') read.push(event)
        assert.deepEqual(
          read.map((a) => [hex(a.address), a.nonce, a.balance, a.storage.length]),
          sorted.map((a) => [hex(a.address), a.nonce, a.balance, [...a.storage].length]),
        )
      },
    ),
    { numRuns: 25 },
  )
})

test('the snapshot vector: the writer gives its bytes, and the reader its root, counts and digest', async () => {
  const accounts: SnapshotSourceAccount[] = VECTOR.accounts.map(
    (a: { address: string; nonce: string; balance: string; code: string; storage: [string, string][] }) => ({
      address: Buffer.from(a.address.slice(2), 'hex'),
      nonce: BigInt(a.nonce),
      balance: BigInt(a.balance),
      code: Buffer.from(a.code.slice(2), 'hex'),
      storage: a.storage.map(([s, v]) => [Buffer.from(s.slice(2), 'hex'), BigInt(v)]),
    }),
  )
  const { sorted, root } = await stateOf(accounts)
  assert.equal(hex(root), VECTOR.state_root)
  const path = join(dir, 'vector.snap')
  await writeSnapshot({
    path,
    chainId: BigInt(VECTOR.chain_id),
    header: Buffer.from(VECTOR.header.slice(2), 'hex'),
    accounts: sorted,
  })
  assert.equal(hex(zstdDecompressSync(readFileSync(path))), VECTOR.uncompressed)
  const report = await verifySnapshot(path)
  assert.deepEqual(
    [
      hex(report.stateRoot),
      hex(report.hash),
      hex(report.digest),
      report.accounts,
      report.codes,
      report.slots,
    ],
    [VECTOR.state_root, VECTOR.block_hash, VECTOR.digest, 3, 1, 2],
  )
})

test('a truncated, altered, reordered or padded snapshot, or one for another root, is refused with its code', async () => {
  const path = join(dir, 'good.snap')
  const bytes = Buffer.from(VECTOR.uncompressed.slice(2), 'hex')
  writeFileSync(path, zstdCompressSync(bytes))
  await verifySnapshot(path)
  const refused = async (name: string, content: Uint8Array, code: string) => {
    const file = join(dir, `${name}.snap`)
    writeFileSync(file, content)
    await assert.rejects(verifySnapshot(file), { code }, name)
  }
  const body = bytes.subarray(0, bytes.length - 64)
  const trailer = bytes.subarray(bytes.length - 64)
  /** The body changed, with a trailer whose digest matches it (a consistent forgery). */
  const redigested = (changed: Buffer) => {
    const t = Buffer.from(trailer)
    Buffer.from(crypto.sha256(changed)).copy(t, 24)
    return zstdCompressSync(Buffer.concat([changed, t]))
  }
  const headerEnd = 8 + 2 + 8 + 4 + bytes.readUInt32BE(18)
  const firstAccount = headerEnd // the vector's first record is an account (the script makes it so)
  assert.equal(body[firstAccount], 1)
  await refused('not zstd', Buffer.from('hello, not a snapshot'), 'APIARY_SNAPSHOT_UNREADABLE')
  await refused('cut', readFileSync(path).subarray(0, 40), 'APIARY_SNAPSHOT_TRUNCATED')
  await refused('short', zstdCompressSync(bytes.subarray(0, bytes.length - 10)), 'APIARY_SNAPSHOT_TRUNCATED')
  await refused(
    'magic',
    zstdCompressSync(Buffer.concat([Buffer.from('NOTASNAP'), bytes.subarray(8)])),
    'APIARY_SNAPSHOT_MAGIC',
  )
  const balance = Buffer.from(body)
  flip(balance, firstAccount + 1 + 20 + 8 + 31)
  await refused(
    'balance',
    zstdCompressSync(Buffer.concat([balance, trailer])),
    'APIARY_SNAPSHOT_DIGEST_MISMATCH',
  )
  await refused('balance, redigested', redigested(balance), 'APIARY_SNAPSHOT_STATE_ROOT_MISMATCH')
  const wrongHeader = Buffer.from(body)
  wrongHeader.set(keccak_256(Uint8Array.of(1)), body.indexOf(Buffer.from(VECTOR.state_root.slice(2), 'hex')))
  await refused('header root', redigested(wrongHeader), 'APIARY_SNAPSHOT_STATE_ROOT_MISMATCH')
  const counts = Buffer.from(trailer)
  flip(counts, 7)
  await refused('counts', zstdCompressSync(Buffer.concat([body, counts])), 'APIARY_SNAPSHOT_COUNTS_MISMATCH')
  await refused(
    'padded',
    zstdCompressSync(Buffer.concat([bytes, Buffer.of(0)])),
    'APIARY_SNAPSHOT_TRAILING_DATA',
  )
  const version = Buffer.from(body)
  version[9] = 2
  await refused('version', redigested(version), 'APIARY_SNAPSHOT_VERSION')
  const unknown = Buffer.from(body)
  unknown[firstAccount] = 9
  await refused('record type', redigested(unknown), 'APIARY_SNAPSHOT_RECORD_INVALID')
})

test('the writer refuses accounts out of trie order and leaves no file behind', async () => {
  const a = {
    address: new Uint8Array(20).fill(1),
    nonce: 0n,
    balance: 1n,
    code: new Uint8Array(),
    storage: [],
  }
  const b = { ...a, address: new Uint8Array(20).fill(2) }
  const { sorted } = await stateOf([a, b])
  const path = join(dir, 'unsorted.snap')
  await assert.rejects(
    writeSnapshot({
      path,
      chainId: 1n,
      header: header(new Uint8Array(32), 1n),
      accounts: [...sorted].reverse(),
    }),
    { code: 'APIARY_SNAPSHOT_ORDER' },
  )
  assert.throws(() => readFileSync(path))
  assert.throws(() => readFileSync(`${path}.partial`))
})
