import { type Client, Code, ConnectError } from '@connectrpc/connect'
import type { StateReport, SwarmService } from '../../gen/apiary/v1/swarm_pb.js'
import { ApiaryError } from '../../internal/errors.ts'
import type { Logger } from '../../internal/logger.ts'
import { stateDiffFromMessage } from '../../protocol/index.ts'
import type { StateStore } from './openStateStore.ts'

export interface StateSyncStatus {
  /** The block the store is at (applied and checked), its hash and root. */
  block: bigint
  blockHash: Uint8Array
  stateRoot: Uint8Array
  /** The code of the last diff refused or resync asked, and its block; '' when the last diff applied. */
  error: string
  errorBlock: bigint
  applied: number
  refused: number
  /** Blocks gone back over (reorgs). */
  unwound: number
  /** The coordinator keeps no diff this store can follow from: a newer snapshot is needed. */
  needsSnapshot: boolean
}

export interface StateSync {
  status(): StateSyncStatus
  /** The heartbeat's StateReport. */
  report(): Omit<StateReport, '$typeName'>
  /** Resolves once the store holds block `number`; rejects when `deadline` (unix ms) passes first. */
  waitFor(number: bigint, deadline: number): Promise<void>
  close(): Promise<void>
}

/**
 * Keeps an L4 agent's store at the coordinator's head (docs/l4.md): StreamStateDiffs from the block after
 * its head, each diff checked (header hash, parent, number: stateDiffFromMessage; parent and state root
 * against its own: applyDiff) before it is applied. A refused diff is never applied: the agent records the
 * code (reported in every heartbeat, shown in /swarm/shadow), drops the stream and asks again from its last
 * good block after a pause. A REORG resync goes back one block (to a state it checked) and asks again;
 * PRUNED means the coordinator no longer holds what it needs: it says so and keeps asking, slowly.
 */
export function createStateSync(deps: {
  store: StateStore
  client: Client<typeof SwarmService>
  headers: Record<string, string>
  logger: Logger
  /** Pause after a refusal or a lost stream (default 500 ms, doubling to 30 s). */
  retryMs?: number
}): StateSync {
  const { store, client, headers, logger } = deps
  const retryMs = deps.retryMs ?? 500
  const head = store.head()
  if (head === undefined)
    throw new ApiaryError('APIARY_STATE_EMPTY', 'the store holds no state: load a snapshot first')
  const status: StateSyncStatus = {
    block: head.number,
    blockHash: head.hash,
    stateRoot: head.stateRoot,
    error: '',
    errorBlock: 0n,
    applied: 0,
    refused: 0,
    unwound: 0,
    needsSnapshot: false,
  }
  const waiters = new Set<{ number: bigint; resolve: () => void }>()
  const moved = () => {
    const at = store.head()
    if (at === undefined) return
    status.block = at.number
    status.blockHash = at.hash
    status.stateRoot = at.stateRoot
    for (const w of waiters)
      if (store.at(w.number) !== undefined) {
        waiters.delete(w)
        w.resolve()
      }
  }
  const stopped = new AbortController()

  const follow = async (signal: AbortSignal): Promise<'again' | 'pause'> => {
    const at = store.head()
    if (at === undefined) return 'pause'
    for await (const message of client.streamStateDiffs(
      { fromBlock: at.number + 1n, parentHash: at.hash },
      { headers, signal },
    )) {
      const resync = message.resync
      if (resync !== undefined) {
        status.error = `APIARY_STATE_RESYNC_${resync.reason}`
        status.errorBlock = at.number + 1n
        if (resync.reason === 'REORG') {
          store.unwind()
          status.unwound++
          moved()
          logger.warn({ block: Number(at.number) }, 'reorg: went back a block')
          return 'again'
        }
        status.needsSnapshot = resync.reason === 'PRUNED'
        logger.warn({ reason: resync.reason, detail: resync.detail }, 'the coordinator asks for a resync')
        return 'pause'
      }
      try {
        await store.applyDiff(stateDiffFromMessage(message))
      } catch (error) {
        status.refused++
        status.error = error instanceof ApiaryError ? error.code : 'APIARY_STATE_DIFF_INVALID'
        status.errorBlock = message.blockNumber
        logger.warn(
          { block: Number(message.blockNumber), code: status.error, message: (error as Error).message },
          'refused a state diff: not validating on it; asking again from the last good block',
        )
        return 'pause'
      }
      status.applied++
      status.error = ''
      status.needsSnapshot = false
      moved()
    }
    return 'pause'
  }

  const loop = (async () => {
    let failures = 0
    while (!stopped.signal.aborted) {
      let next: 'again' | 'pause' = 'pause'
      const applied = status.applied
      try {
        next = await follow(stopped.signal)
      } catch (error) {
        if (stopped.signal.aborted) break
        if (error instanceof ApiaryError && error.code === 'APIARY_STATE_HISTORY_EXHAUSTED') {
          status.needsSnapshot = true
          status.error = error.code
        }
        const code = error instanceof ConnectError ? Code[error.code] : undefined
        logger.warn({ code, message: (error as Error).message }, 'state diff stream lost')
      }
      // A stream that moved the state (or a reorg step) starts the backoff over.
      if (next === 'again' || status.applied > applied) failures = 0
      if (next === 'pause') await sleep(Math.min(30_000, retryMs * 2 ** failures++), stopped.signal)
    }
  })()

  return {
    status: () => ({ ...status }),
    report: () => ({
      blockNumber: status.block,
      blockHash: status.blockHash,
      stateRoot: status.stateRoot,
      error: status.error,
      errorBlock: status.errorBlock,
      applied: BigInt(status.applied),
      refused: BigInt(status.refused),
    }),
    waitFor(number, deadline) {
      if (store.at(number) !== undefined) return Promise.resolve()
      return new Promise((resolve, reject) => {
        const waiter = {
          number,
          resolve: () => {
            clearTimeout(timer)
            resolve()
          },
        }
        const timer = setTimeout(
          () => {
            waiters.delete(waiter)
            reject(new ApiaryError('APIARY_STATE_BEHIND', `the state did not reach block ${number} in time`))
          },
          Math.max(0, deadline - Date.now()),
        )
        waiters.add(waiter)
      })
    },
    async close() {
      stopped.abort('shutdown')
      await loop
    },
  }
}

function sleep(ms: number, signal: AbortSignal) {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        resolve()
      },
      { once: true },
    )
  })
}
