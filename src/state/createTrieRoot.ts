import { type NestedUint8Array, RLP } from '@ethereumjs/rlp'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { ApiaryError } from '../internal/errors.ts'

/** keccak256(RLP("")): the root of an empty Merkle-Patricia trie. */
export const EMPTY_TRIE_ROOT: Uint8Array = keccak_256(RLP.encode(new Uint8Array()))

/** A child as its parent holds it: the node itself when its RLP is under 32 bytes, else its hash. */
type Ref = Uint8Array | NestedUint8Array

export interface TrieRootOptions {
  /**
   * Called with every node stored by hash — each node whose RLP is 32 bytes or more, and the root — as
   * (keccak256(rlp), rlp): what a node database needs to hold the trie (an empty trie emits nothing).
   */
  onNode?: ((hash: Uint8Array, rlp: Uint8Array) => void) | undefined
}

interface OpenBranch {
  /** The nibble index at which the branch's children differ. */
  depth: number
  children: (Ref | undefined)[]
}

/**
 * The Merkle-Patricia root of leaves given in strictly increasing key order (yellow paper appendix D), built
 * as they stream in: memory holds one open branch per level of the trie (at most 2 × key length), never the
 * leaves — the way an L4 snapshot is checked without loading it. `add` refuses a key that is not after the
 * previous one or of another length; `root` ends the trie. Keys are the trie's paths (already hashed for
 * the state and storage tries); values are the leaves' bytes (an account's or a slot's RLP).
 */
export function createTrieRoot(options: TrieRootOptions = {}) {
  const { onNode } = options
  /** The reference a parent holds; every node referenced by hash goes to `onNode`. */
  const refOf = (node: NestedUint8Array | Uint8Array[]): Ref => {
    const encoded = RLP.encode(node)
    if (encoded.length < 32) return node as NestedUint8Array
    const hash = keccak_256(encoded)
    onNode?.(hash, encoded)
    return hash
  }
  /** The root node: always by hash (a database keeps the root even when it is short). */
  const rootOf = (node: NestedUint8Array | Uint8Array[]) => {
    const encoded = RLP.encode(node)
    const hash = keccak_256(encoded)
    onNode?.(hash, encoded)
    return hash
  }
  const withExtension = (path: number[], node: NestedUint8Array): NestedUint8Array =>
    path.length === 0 ? node : [hexPrefix(path, false), refOf(node)]
  const stack: OpenBranch[] = []
  let pending: { key: Uint8Array; nibbles: number[]; value: Uint8Array } | undefined
  /** LCP of the pending key with the key before it; -1 for the first. */
  let lcpBefore = -1
  let done = false

  const top = () => stack[stack.length - 1]
  const branchAt = (depth: number): OpenBranch => {
    const last = top()
    if (last !== undefined && last.depth === depth) return last
    const fresh: OpenBranch = { depth, children: new Array(16).fill(undefined) }
    stack.push(fresh)
    return fresh
  }
  /** Hangs the pending leaf at the branch of depth `depth`. */
  const placeLeaf = (depth: number) => {
    const p = pending as NonNullable<typeof pending>
    const node = [hexPrefix(p.nibbles.slice(depth + 1), true), p.value]
    branchAt(depth).children[p.nibbles[depth] as number] = refOf(node)
  }
  /** Closes open branches deeper than `depth`, each into its parent (made at `depth` when missing). */
  const closeAbove = (depth: number, nibbles: number[]) => {
    for (let last = top(); last !== undefined && last.depth > depth; last = top()) {
      stack.pop()
      const below = top()
      const parentDepth = below !== undefined && below.depth >= depth ? below.depth : depth
      const parent = branchAt(parentDepth)
      parent.children[nibbles[parentDepth] as number] = refOf(
        withExtension(nibbles.slice(parentDepth + 1, last.depth), branchNode(last)),
      )
    }
  }

  return {
    add(key: Uint8Array, value: Uint8Array): void {
      if (done) throw new ApiaryError('APIARY_TRIE_CLOSED', 'the trie root was already taken')
      const nibbles = toNibbles(key)
      if (pending !== undefined) {
        const order = compareBytes(pending.key, key)
        if (key.length !== pending.key.length || order >= 0)
          throw new ApiaryError(
            'APIARY_TRIE_ORDER',
            key.length !== pending.key.length
              ? 'trie keys differ in length'
              : 'trie keys must strictly increase',
          )
        const lcp = commonPrefix(pending.nibbles, nibbles)
        placeLeaf(Math.max(lcpBefore, lcp))
        closeAbove(lcp, pending.nibbles)
        lcpBefore = lcp
      }
      pending = { key: key.slice(), nibbles, value: value.slice() }
    },

    /** The root hash; the trie takes no key after it. */
    root(): Uint8Array {
      done = true
      if (pending === undefined) return EMPTY_TRIE_ROOT
      if (lcpBefore < 0) return rootOf([hexPrefix(pending.nibbles, true), pending.value])
      placeLeaf(lcpBefore)
      // Every open branch is an ancestor of the last key: each goes into the one below it.
      const path = pending.nibbles
      while (stack.length > 1) {
        const last = stack.pop() as OpenBranch
        const parent = top() as OpenBranch
        parent.children[path[parent.depth] as number] = refOf(
          withExtension(path.slice(parent.depth + 1, last.depth), branchNode(last)),
        )
      }
      const first = stack[0] as OpenBranch
      return rootOf(withExtension(pending.nibbles.slice(0, first.depth), branchNode(first)))
    },
  }
}

export type TrieRoot = ReturnType<typeof createTrieRoot>

function branchNode(branch: OpenBranch): NestedUint8Array {
  return [...branch.children.map((c) => c ?? new Uint8Array()), new Uint8Array()] as NestedUint8Array
}

/** Hex-prefix encoding of a nibble path (yellow paper appendix C). */
function hexPrefix(nibbles: number[], leaf: boolean): Uint8Array {
  const odd = nibbles.length % 2
  const out = new Uint8Array(1 + (nibbles.length >> 1))
  out[0] = ((leaf ? 2 : 0) + odd) << 4
  if (odd === 1) out[0] |= nibbles[0] as number
  for (let i = odd; i < nibbles.length; i += 2)
    out[1 + ((i - odd) >> 1)] = ((nibbles[i] as number) << 4) | (nibbles[i + 1] as number)
  return out
}

function toNibbles(key: Uint8Array): number[] {
  const nibbles = new Array<number>(key.length * 2)
  for (let i = 0; i < key.length; i++) {
    nibbles[2 * i] = (key[i] as number) >> 4
    nibbles[2 * i + 1] = (key[i] as number) & 15
  }
  return nibbles
}

function commonPrefix(a: number[], b: number[]): number {
  let i = 0
  while (i < a.length && a[i] === b[i]) i++
  return i
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++)
    if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number)
  return a.length - b.length
}
