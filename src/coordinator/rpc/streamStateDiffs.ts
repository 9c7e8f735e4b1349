import { setTimeout as sleep } from 'node:timers/promises'
import { create, fromBinary } from '@bufbuild/protobuf'
import {
  type StreamStateDiffsRequest,
  type StreamStateDiffsResponse,
  StreamStateDiffsResponseSchema,
} from '../../gen/apiary/v1/swarm_pb.js'
import { toHex } from '../../validation/index.ts'
import type { Store } from '../store/index.ts'

/** Diffs read from the store per query. */
const PAGE = 64

/**
 * StreamStateDiffs (docs/spec/protocol.md#state-diffs-l4): the kept diffs from `from_block` on, in order,
 * then each new one as the follower stores it (the store is polled every `pollMs`), until the caller
 * leaves. The stream ends with a Resync when the agent must ask again: `REORG` when `parent_hash` is not
 * the coordinator's block before `from_block` (at the start, or later because a reorg replaced a block it
 * was sent), `PRUNED` when the diff it needs is no longer kept, `GAP` when it asks beyond the coordinator's
 * newest diff + 1 (or the coordinator holds none yet). Costs a reader one indexed range query per poll; only authenticated agents reach it.
 */
export async function* streamStateDiffs(
  store: Store,
  request: StreamStateDiffsRequest,
  signal: AbortSignal,
  pollMs = 200,
): AsyncGenerator<StreamStateDiffsResponse> {
  const resync = (reason: 'REORG' | 'PRUNED' | 'GAP', block: number, detail: string) =>
    create(StreamStateDiffsResponseSchema, { resync: { reason, block: BigInt(block), detail } })
  let next = Number(request.fromBlock)
  let parent = toHex(request.parentHash).toLowerCase()
  const range = await store.chain.stateDiffRange()
  if (range === undefined) {
    yield resync('GAP', 0, 'this coordinator holds no state diff yet')
    return
  }
  if (next < range.oldest) {
    yield resync(
      'PRUNED',
      range.oldest,
      `the oldest diff kept is block ${range.oldest}: load a newer snapshot`,
    )
    return
  }
  if (next > range.newest + 1) {
    yield resync('GAP', range.newest, `the coordinator's newest diff is block ${range.newest}`)
    return
  }
  while (!signal.aborted) {
    const rows = await store.chain.stateDiffs(next, PAGE)
    if (rows.length === 0) {
      // Waiting at the head: the block the agent is at may be reorged away meanwhile.
      const held = await store.chain.blockHash(next - 1)
      if (held !== undefined && held.toLowerCase() !== parent) {
        yield resync('REORG', next - 1, `block ${next - 1} is ${held} on the coordinator's chain`)
        return
      }
      await sleep(pollMs, undefined, { signal }).catch(() => {})
      continue
    }
    for (const row of rows) {
      if (row.number !== next) {
        // Pruned under the reader (it fell more than the kept window behind).
        yield resync('PRUNED', row.number, `block ${next}'s diff is no longer kept`)
        return
      }
      if (row.parent_hash.toLowerCase() !== parent) {
        yield resync('REORG', next - 1, `block ${next}'s parent is ${row.parent_hash}, not ${parent}`)
        return
      }
      yield fromBinary(StreamStateDiffsResponseSchema, row.diff)
      parent = row.hash.toLowerCase()
      next++
    }
  }
}
