import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { zstdCompressSync, zstdDecompressSync } from 'node:zlib'
import { fromBinary, toBinary } from '@bufbuild/protobuf'
import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import { ValueEncoding } from '@ethereumjs/util'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { StreamStateDiffsResponseSchema } from '../../gen/apiary/v1/swarm_pb.js'
import { stateDiffFromMessage, stateDiffToMessage } from '../../protocol/index.ts'
import { accountLeaf } from '../../state/index.ts'
import { openStateStore } from './index.ts'

const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`
const VECTOR = JSON.parse(
  readFileSync(
    join(import.meta.dirname, '..', '..', '..', 'docs', 'spec', 'vectors', 'snapshot.json'),
    'utf8',
  ),
)
const dir = mkdtempSync(join(tmpdir(), 'apiary-state-store-'))
const vectorFile = join(dir, 'vector.snap')
writeFileSync(vectorFile, zstdCompressSync(Buffer.from(VECTOR.uncompressed.slice(2), 'hex')))

test('an L4 store loads a snapshot as it streams, holds its trie (@ethereumjs/mpt opens it at the root and finds every account), and reopens at its head without reloading', async (t) => {
  const datadir = join(dir, 'agent')
  const store = openStateStore(datadir)
  assert.equal(store.head(), undefined)
  const report = await store.loadSnapshot(vectorFile)
  assert.equal(report.head.number, 7n)
  assert.equal(hex(report.head.stateRoot), VECTOR.state_root)
  assert.deepEqual([report.accounts, report.codes, report.slots], [3, 1, 2])
  const trie = new MerklePatriciaTrie({
    db: store.trieDb(),
    root: report.head.stateRoot,
    useKeyHashing: true,
    valueEncoding: ValueEncoding.Bytes,
  })
  for (const a of VECTOR.accounts as {
    address: string
    nonce: string
    balance: string
    code: string
    storage: [string, string][]
  }[]) {
    const address = Buffer.from(a.address.slice(2), 'hex')
    const stored = await store.account(report.head.stateRoot, address)
    assert.ok(stored !== undefined, a.address)
    assert.deepEqual([stored.nonce, stored.balance], [BigInt(a.nonce), BigInt(a.balance)])
    assert.equal(hex(stored.codeHash), hex(keccak_256(Buffer.from(a.code.slice(2), 'hex'))))
    if (a.code !== '0x') assert.equal(hex(store.code(stored.codeHash) ?? new Uint8Array()), a.code)
    for (const [slot, value] of a.storage)
      assert.equal(await store.storage(stored.storageRoot, Buffer.from(slot.slice(2), 'hex')), BigInt(value))
    const leaf = await trie.get(address)
    assert.equal(
      hex(leaf ?? new Uint8Array()),
      hex(accountLeaf({ ...stored, address, storage: [] }, stored.storageRoot)),
    )
    // The account's storage trie is in the store too.
    const storage = new MerklePatriciaTrie({
      db: store.trieDb(),
      root: stored.storageRoot,
      useKeyHashing: true,
      valueEncoding: ValueEncoding.Bytes,
    })
    for (const [slot] of a.storage) assert.ok((await storage.get(Buffer.from(slot.slice(2), 'hex'))) !== null)
  }
  await assert.rejects(store.loadSnapshot(vectorFile), { code: 'APIARY_STATE_NOT_EMPTY' })
  store.close()

  // A restart: the store is ready at its head at once, without the snapshot.
  const started = performance.now()
  const reopened = openStateStore(datadir)
  const head = reopened.head()
  const ms = performance.now() - started
  assert.equal(head?.number, 7n)
  assert.equal(hex(head?.stateRoot ?? new Uint8Array()), VECTOR.state_root)
  reopened.close()
  t.diagnostic(`reopened at block 7 in ${ms.toFixed(1)} ms`)
})

test('a snapshot refused mid-load (a wrong root, a cut file) leaves the store without a head; a good one loads after it', async () => {
  const datadir = join(dir, 'refused')
  const store = openStateStore(datadir)
  const bytes = Buffer.from(zstdDecompressSync(readFileSync(vectorFile)))
  const cut = join(dir, 'cut.snap')
  writeFileSync(cut, zstdCompressSync(bytes.subarray(0, bytes.length - 100)))
  await assert.rejects(store.loadSnapshot(cut), { code: 'APIARY_SNAPSHOT_TRUNCATED' })
  assert.equal(store.head(), undefined)
  // A balance changed and the digest redone: only the state root gives it away.
  const forged = Buffer.from(bytes)
  const headerEnd = 8 + 2 + 8 + 4 + forged.readUInt32BE(18)
  const at = headerEnd + 1 + 20 + 8 + 31
  forged[at] = (forged[at] as number) ^ 1
  const body = forged.subarray(0, forged.length - 64)
  const trailer = Buffer.from(forged.subarray(forged.length - 64))
  Buffer.from(await crypto.subtle.digest('SHA-256', body)).copy(trailer, 24)
  const wrong = join(dir, 'wrong.snap')
  writeFileSync(wrong, zstdCompressSync(Buffer.concat([body, trailer])))
  await assert.rejects(store.loadSnapshot(wrong), { code: 'APIARY_SNAPSHOT_STATE_ROOT_MISMATCH' })
  assert.equal(store.head(), undefined)
  store.close()
  const again = openStateStore(datadir)
  assert.equal(again.head(), undefined, 'a refused load leaves no head after a restart either')
  assert.equal((await again.loadSnapshot(vectorFile)).head.number, 7n)
  again.close()
})

test('the state diff vector: its message encodes to the documented wire bytes, and a store loaded from the snapshot vector applies it and reaches the vector’s root; a changed byte of the header is refused', async () => {
  const DIFF = JSON.parse(
    readFileSync(
      join(import.meta.dirname, '..', '..', '..', 'docs', 'spec', 'vectors', 'protocol-state-diff.json'),
      'utf8',
    ),
  ) as {
    diff: { accounts: { address: string; nonce: string; balance: string; storage: [string, string][] }[] }
    header: string
    block_hash: string
    state_root: string
    wire: string
  }
  const message = stateDiffToMessage({
    number: 8n,
    header: Buffer.from(DIFF.header.slice(2), 'hex'),
    hash: DIFF.block_hash,
    parentHash: VECTOR.block_hash,
    stateRoot: DIFF.state_root,
    accounts: new Map(
      DIFF.diff.accounts.map((a) => [
        a.address,
        {
          nonce: BigInt(a.nonce),
          balance: BigInt(a.balance),
          code: new Uint8Array(),
          storage: new Map(a.storage.map(([s, v]) => [s, BigInt(v)])),
        },
      ]),
    ),
  })
  assert.equal(Buffer.from(toBinary(StreamStateDiffsResponseSchema, message)).toString('hex'), DIFF.wire)

  const store = openStateStore(join(dir, 'diff-vector'))
  await store.loadSnapshot(vectorFile)
  const decoded = fromBinary(StreamStateDiffsResponseSchema, Buffer.from(DIFF.wire, 'hex'))
  const forged = fromBinary(StreamStateDiffsResponseSchema, Buffer.from(DIFF.wire, 'hex'))
  forged.header = Uint8Array.from(forged.header)
  forged.header[5] = (forged.header[5] as number) ^ 1
  assert.throws(() => stateDiffFromMessage(forged), { code: 'APIARY_STATE_DIFF_INVALID' })
  const head = await store.applyDiff(stateDiffFromMessage(decoded))
  assert.equal(head.number, 8n)
  assert.equal(hex(head.stateRoot), DIFF.state_root)
  assert.equal(hex(head.hash), DIFF.block_hash)
  // The contract kept its code although the diff did not send it.
  const contract = await store.account(head.stateRoot, Buffer.from('33'.repeat(20), 'hex'))
  assert.equal(
    hex(store.code(contract?.codeHash ?? new Uint8Array()) ?? new Uint8Array()),
    VECTOR.accounts[2].code,
  )
  store.close()
})
