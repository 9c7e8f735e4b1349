import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import { RLP } from '@ethereumjs/rlp'
import { bigIntToBytes, fromHex } from './bytes.ts'
import type { EngineCrypto } from './crypto.ts'
import { storageRoot } from './storageRoot.ts'
import type { AccountState } from './witness.ts'

/** The Merkle-Patricia state root of a complete state (yellow paper §4.1), keys hashed with keccak. */
export async function stateRoot(crypto: EngineCrypto, state: Map<string, AccountState>): Promise<Uint8Array> {
  const accounts = new MerklePatriciaTrie({ useKeyHashing: true, useKeyHashingFunction: crypto.keccak256 })
  for (const [address, account] of state) {
    const codeHash = crypto.keccak256(account.code)
    const body = RLP.encode([
      bigIntToBytes(account.nonce),
      bigIntToBytes(account.balance),
      await storageRoot(crypto, account.storage),
      codeHash,
    ])
    await accounts.put(fromHex(address) as Uint8Array, body)
  }
  return accounts.root()
}
