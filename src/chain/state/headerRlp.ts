import { RLP } from '@ethereumjs/rlp'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { ApiaryError } from '../../internal/errors.ts'
import { bigIntToBytes } from '../../validation/index.ts'

/** A block as eth_getBlockByNumber answers it (the header's fields). */
export type RpcHeader = Record<string, unknown> & { hash: string; number: string; stateRoot: string }

const bytes = (hex: unknown) => Buffer.from(String(hex).slice(2), 'hex')
const quantity = (hex: unknown) => bigIntToBytes(BigInt(String(hex)))

/** Fields after the first fifteen, each added by a fork, in header order. */
const OPTIONAL: [field: string, encode: (v: unknown) => Uint8Array][] = [
  ['baseFeePerGas', quantity],
  ['withdrawalsRoot', bytes],
  ['blobGasUsed', quantity],
  ['excessBlobGas', quantity],
  ['parentBeaconBlockRoot', bytes],
  ['requestsHash', bytes],
]

/**
 * The RLP of a block header from the node's JSON fields (Frontier's fifteen, then each later fork's), checked
 * against the block hash: keccak256 of it must be the hash the node gave, else the node's answer is not a
 * header this code knows how to encode (APIARY_SNAPSHOT_HEADER_MISMATCH).
 */
export function headerRlp(block: RpcHeader): Uint8Array {
  const fields: Uint8Array[] = [
    bytes(block.parentHash),
    bytes(block.sha3Uncles),
    bytes(block.miner),
    bytes(block.stateRoot),
    bytes(block.transactionsRoot),
    bytes(block.receiptsRoot),
    bytes(block.logsBloom),
    quantity(block.difficulty),
    quantity(block.number),
    quantity(block.gasLimit),
    quantity(block.gasUsed),
    quantity(block.timestamp),
    bytes(block.extraData),
    bytes(block.mixHash),
    bytes(block.nonce),
  ]
  for (const [field, encode] of OPTIONAL) {
    if (block[field] === undefined || block[field] === null) break
    fields.push(encode(block[field]))
  }
  const rlp = RLP.encode(fields)
  if (`0x${Buffer.from(keccak_256(rlp)).toString('hex')}` !== block.hash.toLowerCase())
    throw new ApiaryError(
      'APIARY_SNAPSHOT_HEADER_MISMATCH',
      `block ${BigInt(block.number)}: its fields do not hash to its hash ${block.hash}`,
    )
  return rlp
}
