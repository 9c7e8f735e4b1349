import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import { RLP } from '@ethereumjs/rlp'
import { KECCAK256_RLP } from '@ethereumjs/util'
import { bigIntToBytes, equalBytes, fromHex } from './bytes.ts'
import type { EngineCrypto } from './crypto.ts'
import type { AccountState } from './witness.ts'

/** The root of an empty storage trie: keccak256(rlp("")). */
export const EMPTY_STORAGE_ROOT: Uint8Array = KECCAK256_RLP

/** The Merkle-Patricia root of an account's complete storage (slot keys hashed with keccak). */
export async function storageRoot(crypto: EngineCrypto, storage: Map<string, bigint>): Promise<Uint8Array> {
  const trie = new MerklePatriciaTrie({ useKeyHashing: true, useKeyHashingFunction: crypto.keccak256 })
  for (const [slot, value] of storage)
    if (value !== 0n) await trie.put(fromHex(slot) as Uint8Array, RLP.encode(bigIntToBytes(value)))
  return trie.root()
}

/**
 * Whether an account has storage before the transaction: a slot is listed, or the witness gives a storage
 * root that is not the empty trie's (EIP-7610: a CREATE to such an address fails even when the transaction
 * reads none of its slots, so the witness must say so without listing them).
 */
export function hasStorage(account: AccountState): boolean {
  return (
    account.storage.size > 0 ||
    (account.storageRoot !== undefined && !equalBytes(account.storageRoot, EMPTY_STORAGE_ROOT))
  )
}
