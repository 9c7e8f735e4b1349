import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import { type BatchDBOp, type DB, ValueEncoding } from '@ethereumjs/util'
import fc from 'fast-check'
import { createTrieRoot, EMPTY_TRIE_ROOT } from './index.ts'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const compare = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b)

/** @ethereumjs/mpt's root of the same leaves, inserted in random order (keys unhashed). */
async function referenceRoot(leaves: [Uint8Array, Uint8Array][]) {
  const trie = new MerklePatriciaTrie()
  for (const [key, value] of leaves) await trie.put(key, value)
  return trie.root()
}

function streamedRoot(leaves: [Uint8Array, Uint8Array][]) {
  const trie = createTrieRoot()
  for (const [key, value] of [...leaves].sort((a, b) => compare(a[0], b[0]))) trie.add(key, value)
  return trie.root()
}

test('createTrieRoot() gives @ethereumjs/mpt’s root for any leaves: short keys (embedded nodes, long extensions), 32-byte keys, shared prefixes (property)', async () => {
  assert.equal(hex(createTrieRoot().root()), hex(EMPTY_TRIE_ROOT))
  const leaves = (keyBytes: number) =>
    fc
      .uniqueArray(
        fc.tuple(
          // Keys made of a few prefixes and random tails, so that branches, extensions and leaves all occur.
          fc.tuple(
            fc.constantFrom(0, 1, 0xab, 0xff),
            fc.uint8Array({ minLength: keyBytes, maxLength: keyBytes }),
          ),
          fc.uint8Array({ minLength: 1, maxLength: 40 }),
        ),
        { selector: ([[p, k]]) => `${p}:${hex(k)}`, maxLength: 120 },
      )
      .map((list) =>
        list.map(([[prefix, tail], value]): [Uint8Array, Uint8Array] => {
          const key = tail.slice()
          key[0] = prefix
          return [key, value]
        }),
      )
      .map((list) => {
        const seen = new Set<string>()
        return list.filter(([k]) => !seen.has(hex(k)) && seen.add(hex(k)))
      })
  for (const keyBytes of [1, 2, 3, 32])
    await fc.assert(
      fc.asyncProperty(leaves(keyBytes), async (list) => {
        assert.equal(hex(streamedRoot(list)), hex(await referenceRoot(list)))
      }),
      { numRuns: 60 },
    )
})

test('createTrieRoot() refuses keys out of order, repeated or of another length, and keys after the root', () => {
  const trie = createTrieRoot()
  trie.add(Uint8Array.of(2), Uint8Array.of(1))
  assert.throws(() => trie.add(Uint8Array.of(2), Uint8Array.of(1)), { code: 'APIARY_TRIE_ORDER' })
  assert.throws(() => trie.add(Uint8Array.of(1), Uint8Array.of(1)), { code: 'APIARY_TRIE_ORDER' })
  assert.throws(() => trie.add(Uint8Array.of(3, 0), Uint8Array.of(1)), { code: 'APIARY_TRIE_ORDER' })
  trie.root()
  assert.throws(() => trie.add(Uint8Array.of(9), Uint8Array.of(1)), { code: 'APIARY_TRIE_CLOSED' })
})

/** A node database over a Map (keys: unprefixed hex, values: bytes), as @ethereumjs/mpt takes one. */
function mapDb(nodes: Map<string, Uint8Array>): DB<string, string | Uint8Array> {
  const db: DB<string, string | Uint8Array> = {
    get: async (key) => nodes.get(key),
    put: async (key, value) => void nodes.set(key, value as Uint8Array),
    del: async (key) => void nodes.delete(key),
    batch: async (ops: BatchDBOp<string, string | Uint8Array>[]) => {
      for (const op of ops) if (op.type === 'put') nodes.set(op.key, op.value as Uint8Array)
    },
    shallowCopy: () => db,
    open: async () => {},
  }
  return db
}

test('createTrieRoot({onNode}) emits every node a database needs: @ethereumjs/mpt opened at the root over them finds every leaf (property)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(
        fc.tuple(
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
          fc.uint8Array({ minLength: 1, maxLength: 70 }),
        ),
        {
          selector: ([k]) => hex(k),
          minLength: 1,
          maxLength: 80,
        },
      ),
      async (leaves) => {
        const nodes = new Map<string, Uint8Array>()
        const trie = createTrieRoot({ onNode: (hash, rlp) => nodes.set(hex(hash), rlp) })
        for (const [key, value] of [...leaves].sort((a, b) => compare(a[0], b[0]))) trie.add(key, value)
        const root = trie.root()
        const opened = new MerklePatriciaTrie({ db: mapDb(nodes), root, valueEncoding: ValueEncoding.Bytes })
        for (const [key, value] of leaves)
          assert.equal(hex((await opened.get(key)) ?? new Uint8Array()), hex(value))
      },
    ),
    { numRuns: 40 },
  )
})
