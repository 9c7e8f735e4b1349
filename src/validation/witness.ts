import type { Fork } from './forks.ts'

/**
 * A self-contained prestate witness: everything needed to validate and execute one transaction offline.
 * The JSON form is specified in docs/spec/witness.md; `parseWitness` turns it into this.
 */
export interface AccountState {
  balance: bigint
  nonce: bigint
  code: Uint8Array
  /** 32-byte slot (0x-hex, lower case, zero-padded) → value. Absent slots are zero. */
  storage: Map<string, bigint>
  /**
   * The root of the account's storage trie before the transaction, when the witness gives it. A root other
   * than the empty trie's says the account has storage even if no slot is listed (EIP-7610).
   */
  storageRoot?: Uint8Array | undefined
}

export interface BlockContext {
  number: bigint
  timestamp: bigint
  coinbase: Uint8Array
  gasLimit: bigint
  /** Required from London on. */
  baseFeePerGas: bigint | undefined
  difficulty: bigint
  /** PREVRANDAO (mixHash) from Paris on. */
  prevRandao: Uint8Array | undefined
  /** The block's excess blob gas (Cancun on), from which the blob base fee follows. */
  excessBlobGas: bigint | undefined
  parentBeaconBlockRoot: Uint8Array | undefined
}

export interface Witness {
  version: 1
  chainId: bigint
  fork: Fork
  transaction: Uint8Array
  block: BlockContext
  /** Block number → hash, for BLOCKHASH. Numbers not listed hash to zero. */
  blockHashes: Map<bigint, Uint8Array>
  /** Lower-case 0x address → account. */
  prestate: Map<string, AccountState>
}
