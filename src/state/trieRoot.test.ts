import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MerklePatriciaTrie } from '@ethereumjs/mpt'
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
