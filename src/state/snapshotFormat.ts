import { RLP } from '@ethereumjs/rlp'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bigIntToBytes } from '../validation/index.ts'

/** The format's constants (docs/spec/snapshot.md). */
export const SNAPSHOT_MAGIC = Buffer.from('APIARYSN', 'ascii')
export const SNAPSHOT_END_MAGIC = Buffer.from('APIARYSE', 'ascii')
export const SNAPSHOT_VERSION = 1
export const RECORD = { end: 0x00, account: 0x01, code: 0x02, storage: 0x03 } as const
/** A bound on a reader's memory per code record, far above EIP-170's 24,576 bytes. */
export const MAX_CODE_BYTES = 1 << 20
/** A bound on a block header's RLP (a mainnet header is about 600 bytes). */
export const MAX_HEADER_BYTES = 4096
export const TRAILER_BYTES = 64

/** keccak256 of empty code: an account without code. */
export const EMPTY_CODE_HASH: Uint8Array = keccak_256(new Uint8Array())

/** One account of a snapshot, as the writer takes it and the reader gives it. */
export interface SnapshotAccount {
  /** 20 bytes. */
  address: Uint8Array
  nonce: bigint
  balance: bigint
  /** keccak256 of the code. */
  codeHash: Uint8Array
  /** Its slots (32-byte keys) and non-zero values, in increasing keccak256(slot) order. */
  storage: [slot: Uint8Array, value: bigint][]
}

/** What the header of a snapshot says. */
export interface SnapshotHeader {
  chainId: bigint
  /** The block header's RLP, as in the chain. */
  header: Uint8Array
  number: bigint
  hash: Uint8Array
  stateRoot: Uint8Array
}

/** The state trie's leaf of an account: RLP([nonce, balance, storage root, code hash]). */
export function accountLeaf(account: SnapshotAccount, storageRoot: Uint8Array): Uint8Array {
  return RLP.encode([
    bigIntToBytes(account.nonce),
    bigIntToBytes(account.balance),
    storageRoot,
    account.codeHash,
  ])
}

/** A storage trie's leaf: RLP of the value's minimal big-endian bytes. */
export function slotLeaf(value: bigint): Uint8Array {
  return RLP.encode(bigIntToBytes(value))
}
