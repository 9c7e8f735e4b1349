import { fromBinary } from '@bufbuild/protobuf'
import { applyBlockDiff, type State, snapshotAccounts } from '../../chain/index.ts'
import { StreamStateDiffsResponseSchema } from '../../gen/apiary/v1/swarm_pb.js'
import { ApiaryError } from '../../internal/errors.ts'
import { stateDiffFromMessage } from '../../protocol/index.ts'
import { type SnapshotCounts, writeSnapshot } from '../../state/index.ts'
import type { Store } from '../store/index.ts'

const PAGE = 500

/**
 * Writes a snapshot of the state a coordinator followed (docs/spec/snapshot.md#export-from-a-coordinator):
 * the genesis, then every state diff its store kept from block 1 to its newest, each checked as an agent
 * checks it (header hash, parent chain) — no node needed. The snapshot's root is the newest header's only if
 * the genesis is the chain's and no diff is missing, which `verifySnapshot` then proves. Codes:
 * APIARY_SNAPSHOT_DIFFS_MISSING (the store does not hold every diff from block 1: the coordinator was not
 * started with --state-diffs from the genesis, or pruned them), APIARY_STATE_DIFF_INVALID.
 */
export async function exportFollowedSnapshot(
  store: Store,
  { genesis, path }: { genesis: State; path: string },
): Promise<SnapshotCounts & { block: bigint }> {
  const range = await store.chain.stateDiffRange()
  if (range === undefined || range.oldest !== 1)
    throw new ApiaryError(
      'APIARY_SNAPSHOT_DIFFS_MISSING',
      range === undefined
        ? 'the coordinator keeps no state diffs'
        : `the coordinator's oldest state diff is block ${range.oldest}, not 1`,
      {
        usage: true,
        hints: ['start the coordinator with --state-diffs N --from-block 1, or export from a node (--rpc)'],
      },
    )
  const chain = (await store.meta.get('chain')) ?? ''
  const chainId = BigInt(chain.split(':')[0] ?? '0')
  const state: State = new Map(genesis)
  let header: Uint8Array | undefined
  let parent: string | undefined
  let next = 1
  while (next <= range.newest) {
    const rows = await store.chain.stateDiffs(next, PAGE)
    if (rows.length === 0) break
    for (const row of rows) {
      const message = fromBinary(StreamStateDiffsResponseSchema, row.diff)
      const diff = stateDiffFromMessage(message)
      if (row.number !== next || (parent !== undefined && diff.parentHash !== parent))
        throw new ApiaryError(
          'APIARY_SNAPSHOT_DIFFS_MISSING',
          `the store's state diffs break at block ${next}`,
          {
            usage: true,
          },
        )
      const accounts = new Map(
        [...diff.accounts].map(([address, after]) => [
          address,
          { ...after, code: after.code ?? state.get(address)?.code ?? new Uint8Array() },
        ]),
      )
      applyBlockDiff(state, { accounts })
      header = message.header
      parent = diff.hash
      next++
    }
  }
  const counts = await writeSnapshot({
    path,
    chainId,
    header: header as Uint8Array,
    accounts: snapshotAccounts(state),
  })
  return { ...counts, block: BigInt(next - 1) }
}
