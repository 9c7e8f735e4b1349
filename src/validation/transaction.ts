/** The decoded form of a signed transaction. All integers are bigint; byte fields are Uint8Array. */
export type TransactionType = 0 | 1 | 2 | 3 | 4

export interface AccessListEntry {
  address: Uint8Array
  storageKeys: Uint8Array[]
}

export interface Authorization {
  chainId: bigint
  address: Uint8Array
  nonce: bigint
  yParity: bigint
  r: bigint
  s: bigint
}

export interface BlobWrapper {
  /** 0 for EIP-4844 blob proofs, 1 for EIP-7594 cell proofs. */
  version: 0 | 1
  blobs: Uint8Array[]
  commitments: Uint8Array[]
  proofs: Uint8Array[]
}

export interface DecodedTransaction {
  type: TransactionType
  /** Undefined only for a legacy transaction without replay protection (v = 27 or 28). */
  chainId: bigint | undefined
  nonce: bigint
  /** Legacy and EIP-2930: the gas price. EIP-1559 and later: max fee per gas. */
  maxFeePerGas: bigint
  /** Legacy and EIP-2930: equal to the gas price. */
  maxPriorityFeePerGas: bigint
  gasLimit: bigint
  /** Undefined for contract creation. */
  to: Uint8Array | undefined
  value: bigint
  data: Uint8Array
  accessList: AccessListEntry[]
  maxFeePerBlobGas: bigint
  blobVersionedHashes: Uint8Array[]
  authorizationList: Authorization[]
  /** Legacy: v as signed. Typed: yParity. */
  v: bigint
  r: bigint
  s: bigint
  /** The canonical transaction bytes whose keccak is the hash (a network-form blob tx without its wrapper). */
  canonical: Uint8Array
  /** The bytes whose keccak the sender signed. */
  signingPayload: Uint8Array
  /** Present when the input was a blob transaction in network form. */
  blobWrapper: BlobWrapper | undefined
}

/** What a signed transaction consists of: the decoded form without the bytes derived from it. */
export type TransactionFields = Omit<DecodedTransaction, 'canonical' | 'signingPayload' | 'blobWrapper'>
