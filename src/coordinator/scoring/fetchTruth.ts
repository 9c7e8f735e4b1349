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
 * Chain truth for a transaction included in `blockHash`: its receipt and, unless `diff` is false (a node
 * without tracing), the node's prestateTracer diff.
 * Returns `orphaned` when the transaction is no longer in that block (a reorg), so it is never scored.
 */
export async function fetchTruth(
  rpc: RpcRequest,
  { hash, blockHash, diff = true }: { hash: string; blockHash: string; diff?: boolean },
): Promise<Truth | 'orphaned'> {
  const receipt = (await rpc('eth_getTransactionReceipt', [hash])) as Receipt | null
  if (receipt === null || receipt.blockHash.toLowerCase() !== blockHash.toLowerCase()) return 'orphaned'
  let changes: string | undefined
  if (diff) {
    try {
      const traced = (await rpc('debug_traceTransaction', [
        hash,
        { tracer: 'prestateTracer', tracerConfig: { diffMode: true } },
      ])) as StateDiff
      changes = canonicalChanges(changesFromDiff({ pre: traced.pre ?? {}, post: traced.post ?? {} }))
    } catch (cause) {
      throw new ApiaryError('APIARY_TRACE_FAILED', `the node cannot trace ${hash} in diff mode`, {
        cause,
        retryable: true,
      })
    }
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
    ...(changes === undefined ? {} : { changes }),
  }
}
