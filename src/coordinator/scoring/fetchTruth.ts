import type { RpcRequest } from '../../chain/index.ts'
import { ApiaryError } from '../../internal/errors.ts'
import { canonicalChanges, changesFromDiff } from '../../protocol/index.ts'
import type { StateDiff } from '../../validation/index.ts'
import type { Truth } from './truth.ts'

type Receipt = {
  blockHash: string
  from: string
  status: string
  gasUsed: string
  contractAddress: string | null
  logs: { address: string; topics: string[]; data: string }[]
}

/**
 * Chain truth for a transaction included in `blockHash`: its receipt and the node's prestateTracer diff.
 * Returns `orphaned` when the transaction is no longer in that block (a reorg), so it is never scored.
 */
export async function fetchTruth(
  rpc: RpcRequest,
  { hash, blockHash }: { hash: string; blockHash: string },
): Promise<Truth | 'orphaned'> {
  const receipt = (await rpc('eth_getTransactionReceipt', [hash])) as Receipt | null
  if (receipt === null || receipt.blockHash.toLowerCase() !== blockHash.toLowerCase()) return 'orphaned'
  let diff: StateDiff
  try {
    diff = (await rpc('debug_traceTransaction', [
      hash,
      { tracer: 'prestateTracer', tracerConfig: { diffMode: true } },
    ])) as StateDiff
  } catch (cause) {
    throw new ApiaryError('APIARY_TRACE_FAILED', `the node cannot trace ${hash} in diff mode`, {
      cause,
      retryable: true,
    })
  }
  return {
    valid: true,
    hash: hash.toLowerCase(),
    sender: receipt.from.toLowerCase(),
    status: BigInt(receipt.status) === 1n ? 'success' : 'failed',
    gasUsed: BigInt(receipt.gasUsed).toString(),
    logs: receipt.logs.map((log) => ({
      address: log.address.toLowerCase(),
      topics: log.topics.map((t) => t.toLowerCase()),
      data: log.data.toLowerCase(),
    })),
    createdAddress: receipt.contractAddress?.toLowerCase() ?? null,
    changes: canonicalChanges(changesFromDiff({ pre: diff.pre ?? {}, post: diff.post ?? {} })),
  }
}
