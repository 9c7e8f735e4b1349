import { keccak_256 } from '@noble/hashes/sha3.js'
import { createTrieRoot } from './createTrieRoot.ts'
import { accountLeaf, slotLeaf } from './snapshotFormat.ts'
import type { SnapshotSourceAccount } from './writeSnapshot.ts'

/**
 * The state root of accounts given in increasing keccak256(address) order (as a snapshot lists them), each
 * account's slots in any order; zero slots are not in the trie.
 */
export function stateRootOf(accounts: Iterable<SnapshotSourceAccount>): Uint8Array {
  const state = createTrieRoot()
  for (const account of accounts) {
    const storage = createTrieRoot()
    const slots = [...account.storage]
      .filter(([, value]) => value !== 0n)
      .map(([slot, value]) => [keccak_256(slot), value] as const)
      .sort((a, b) => Buffer.compare(a[0], b[0]))
    for (const [key, value] of slots) storage.add(key, slotLeaf(value))
    state.add(
      keccak_256(account.address),
      accountLeaf({ ...account, codeHash: keccak_256(account.code), storage: [] }, storage.root()),
    )
  }
  return state.root()
}
