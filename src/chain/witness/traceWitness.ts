import { keccak_256 } from '@noble/hashes/sha3.js'
import { ApiaryError } from '../../internal/errors.ts'
import { encodeRpcTransaction, toHex } from '../../validation/index.ts'
import type { RpcRequest } from '../createRpcClient.ts'
import { addStorageRoots } from './addStorageRoots.ts'

export interface TraceWitnessParameters {
  hash: `0x${string}`
  chainId: bigint
  /** The fork the chain is in at that block (the node does not say). */
  fork: string
}

export type RpcBlock = {
  number: string
  hash: string
  parentHash: string
  timestamp: string
  miner: string
  gasLimit: string
  baseFeePerGas?: string
  difficulty?: string
  mixHash?: string
  excessBlobGas?: string
  parentBeaconBlockRoot?: string
}

/**
 * Builds the witness of one mined transaction (docs/spec/witness.md) from a node that serves
 * `debug_traceTransaction` with go-ethereum's `prestateTracer`. BLOCKHASH is answered for the parent block
 * only.
 */
export async function traceWitness(
  rpc: RpcRequest,
  { hash, chainId, fork }: TraceWitnessParameters,
): Promise<Record<string, unknown>> {
  const tx = (await rpc('eth_getTransactionByHash', [hash])) as
    | (Record<string, unknown> & { blockNumber: string | null })
    | null
  if (tx === null || tx.blockNumber === null) {
    throw new ApiaryError('APIARY_TX_NOT_MINED', `transaction ${hash} is not in a block`, { retryable: true })
  }
  const [block, prestate] = await Promise.all([
    rpc('eth_getBlockByNumber', [tx.blockNumber, false]) as Promise<RpcBlock>,
    rpc('debug_traceTransaction', [hash, { tracer: 'prestateTracer' }]) as Promise<Record<string, unknown>>,
  ])
  await addStorageRoots(rpc, [prestate], `0x${(BigInt(tx.blockNumber) - 1n).toString(16)}`)
  return buildWitness({ tx, block, prestate, chainId, fork })
}

/**
 * The witness JSON of one transaction from the node's view of it, its block and the prestateTracer output
 * (used as is). The raw transaction is re-encoded from the node's JSON (some nodes, EDR among them, have no
 * `eth_getRawTransactionByHash`) and must hash to the node's hash.
 */
export function buildWitness({
  tx,
  block,
  prestate,
  chainId,
  fork,
}: {
  tx: Record<string, unknown>
  block: RpcBlock
  prestate: unknown
  chainId: bigint
  fork: string
}): Record<string, unknown> {
  const raw = encodeRpcTransaction(tx)
  if (toHex(keccak_256(raw)) !== String(tx.hash).toLowerCase()) {
    throw new ApiaryError(
      'APIARY_TX_ENCODING_MISMATCH',
      `transaction ${String(tx.hash)} does not re-encode to its hash`,
      { details: { type: tx.type } },
    )
  }
  return {
    version: 1,
    chainId: chainId.toString(),
    fork,
    transaction: toHex(raw),
    block: blockContextOf(block),
    blockHashes: { [(BigInt(block.number) - 1n).toString()]: block.parentHash },
    prestate,
  }
}

/** A block's execution context in the witness's JSON form (docs/spec/witness.md). */
export function blockContextOf(block: RpcBlock): Record<string, string> {
  return {
    number: block.number,
    timestamp: block.timestamp,
    coinbase: block.miner,
    gasLimit: block.gasLimit,
    ...(block.baseFeePerGas === undefined ? {} : { baseFeePerGas: block.baseFeePerGas }),
    difficulty: block.difficulty ?? '0x0',
    ...(block.mixHash === undefined ? {} : { prevRandao: block.mixHash }),
    ...(block.excessBlobGas === undefined ? {} : { excessBlobGas: block.excessBlobGas }),
    ...(block.parentBeaconBlockRoot === undefined
      ? {}
      : { parentBeaconBlockRoot: block.parentBeaconBlockRoot }),
  }
}
