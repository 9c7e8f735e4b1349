import { setTimeout as sleep } from 'node:timers/promises'
import { create, toBinary } from '@bufbuild/protobuf'
import {
  addStorageRoots,
  type BlockExecutor,
  buildWitness,
  createBlockExecutor,
  type RpcBlock,
  type RpcRequest,
} from '../../chain/index.ts'
import {
  L4ContextSchema,
  type Witness as WitnessMessage,
  WitnessSchema,
} from '../../gen/apiary/v1/swarm_pb.js'
import { ApiaryError } from '../../internal/errors.ts'
import type { Logger } from '../../internal/logger.ts'
import { resultFromVerdict, witnessToMessage } from '../../protocol/index.ts'
import { type EngineCrypto, fromHex, parseWitness, type VmPool } from '../../validation/index.ts'
import type { CanaryMaker } from '../canaries/index.ts'
import { truthFromResult } from '../scoring/index.ts'
import type { NewInclusion, Store } from '../store/index.ts'
import type { TaskHub } from '../work/index.ts'
import type { BlockClock } from './createBlockClock.ts'
import { l4Preceding } from './l4Preceding.ts'

export interface PendingFollowerDependencies {
  rpc: RpcRequest
  store: Store
  hub: TaskHub
  logger: Logger
  clock: BlockClock
  chainId: bigint
  fork: string
  /** How often the node's pending block (and head) is read; default 100 ms. */
  pollMs?: number | undefined
  /** Offered every pending transaction pre-executed; the canaries it makes are dispatched among them. */
  canaries?: CanaryMaker | undefined
  crypto: EngineCrypto
  vms: VmPool
  now?: () => number
}

export interface PendingStatus {
  /** Undefined until the node was asked; false when it has no pending block (no public mempool here). */
  available: boolean | undefined
  /** Pending transactions pre-executed and dispatched. */
  dispatched: number
  /** Pending transactions that could not be pre-executed (e.g. invalid over the state they were given). */
  skipped: number
}

export interface PendingFollower {
  run(signal: AbortSignal): Promise<void>
  status(): PendingStatus
}

type RpcTx = Record<string, unknown> & { hash: string; from: string }
type PendingBlock = Omit<RpcBlock, 'number' | 'hash' | 'mixHash'> & {
  number: string | null
  hash: string | null
  mixHash?: string | null
  transactions: RpcTx[]
}

/**
 * Pre-confirmation work: reads the node's pending block (`eth_getBlockByNumber('pending', true)`: the
 * transactions its mempool would mine next, in order, over the latest block), re-executes it as it grows
 * over the parent state read through JSON-RPC (createBlockExecutor), and dispatches every new transaction
 * as a task (L1–L3) with the witness of its place in that block and the outcome the coordinator expects,
 * before any receipt exists. Each transaction gets one pending task, for the first place it was seen at;
 * the follower scores it when it lands as pre-executed and voids it otherwise. Every read of the head feeds
 * the block clock, so the arrival of blocks is known to within `pollMs`.
 */
export function createPendingFollower({
  rpc,
  store,
  hub,
  logger,
  clock,
  chainId,
  fork,
  pollMs = 100,
  canaries,
  crypto,
  vms,
  now = Date.now,
}: PendingFollowerDependencies): PendingFollower {
  const status: PendingStatus = { available: undefined, dispatched: 0, skipped: 0 }
  /** The pending block being followed: its parent, header, the executor and the hashes executed in order. */
  let current:
    | { parent: string; block: RpcBlock; executor: BlockExecutor; order: string[]; broken: boolean }
    | undefined
  let proofs = true

  const start = async (pending: PendingBlock) => {
    // A pending block has no number, hash or prevRandao yet (EDR, geth): the number follows the parent,
    // and PREVRANDAO is taken to be the parent's (a transaction that reads it will be void if it differs).
    const parent = (await rpc('eth_getBlockByHash', [pending.parentHash, false])) as {
      number: string
      mixHash?: string
    }
    const { mixHash: pendingMix, ...header } = pending
    const block: RpcBlock = {
      ...header,
      number: pending.number ?? `0x${(BigInt(parent.number) + 1n).toString(16)}`,
      hash: pending.hash ?? '',
    }
    const mixHash = pendingMix ?? parent.mixHash
    if (mixHash != null) block.mixHash = mixHash
    current = {
      parent: pending.parentHash,
      block,
      executor: await createBlockExecutor({ rpc, crypto, vms }, { block, chainId, fork }),
      order: [],
      broken: false,
    }
    return current
  }

  const poll = async () => {
    const sentAt = now()
    const [head, pending] = (await Promise.all([
      rpc('eth_blockNumber', []),
      rpc('eth_getBlockByNumber', ['pending', true]),
    ])) as [string, PendingBlock | null]
    clock.observe(Number(BigInt(head)), sentAt, now())
    if (pending === null || !Array.isArray(pending.transactions)) {
      if (status.available !== false) logger.warn('the node has no pending block: no pre-confirmation work')
      status.available = false
      return
    }
    status.available = true
    if (pending.transactions.length === 0) return
    let run = current
    // A new parent, or the candidate reordered what was executed: start over (tasks already sent stay).
    if (
      run === undefined ||
      run.parent !== pending.parentHash ||
      run.order.some((hash, i) => pending.transactions[i]?.hash !== hash)
    )
      run = await start(pending)
    if (run.broken) return
    const fresh: { key: string; witness: WitnessMessage; levels?: number[] }[] = []
    const raw = l4Preceding(pending.transactions)
    const rows: NewInclusion[] = []
    for (const [i, tx] of pending.transactions.entries()) {
      if (i < run.order.length) continue
      const hash = tx.hash.toLowerCase()
      const key = `pending:${hash}`
      let executed: Awaited<ReturnType<BlockExecutor['next']>>
      try {
        executed = await run.executor.next(tx)
      } catch (error) {
        // The executor's state is now unknown: wait for the next parent.
        run.broken = true
        status.skipped++
        logger.debug({ tx: hash, err: error }, 'cannot pre-execute a pending transaction')
        break
      }
      run.order.push(tx.hash)
      if (await store.work.hasInclusion(key)) continue
      if (proofs)
        proofs = await addStorageRoots(
          rpc,
          [executed.prestate],
          `0x${(BigInt(run.block.number) - 1n).toString(16)}`,
        )
      try {
        const witness = witnessToMessage(
          parseWitness(buildWitness({ tx, block: run.block, prestate: executed.prestate, chainId, fork })),
          { full: true },
        )
        witness.l4 = create(L4ContextSchema, {
          parentNumber: BigInt(run.block.number) - 1n,
          parentHash: fromHex(run.parent) ?? new Uint8Array(),
          preceding: raw(i),
        })
        const predicted = truthFromResult(resultFromVerdict('', executed.verdict, 0))
        rows.push({
          key,
          source: 'pending',
          block_number: Number(BigInt(run.block.number)),
          block_hash: '',
          tx_index: i,
          tx_hash: hash,
          witness: toBinary(WitnessSchema, witness),
          state: 'pending',
          created_at: now(),
          predicted: JSON.stringify(predicted),
        })
        fresh.push({ key, witness })
      } catch (error) {
        status.skipped++
        const reason = error instanceof ApiaryError ? error.code : 'WITNESS_INVALID'
        logger.debug({ tx: hash, reason }, 'cannot build the witness of a pending transaction')
        continue
      }
      // At this place of the block, before the next transaction runs: a canary is executed where its
      // template was.
      for (const canary of (await canaries?.offer({
        tx,
        block: run.block,
        prestate: executed.prestate,
        txIndex: i,
        executor: run.executor,
      })) ?? [])
        fresh.push({ key: canary.key, witness: canary.witness, levels: [canary.level] })
    }
    if (fresh.length === 0) return
    await store.work.addInclusions(rows)
    // Canaries and the transactions they are made from are queued in random order, as one batch.
    for (const [i, item] of fresh.entries()) {
      const j = i + Math.floor(Math.random() * (fresh.length - i))
      fresh[i] = fresh[j] as (typeof fresh)[number]
      fresh[j] = item
    }
    for (const { key, witness, levels } of fresh)
      hub.enqueue(key, levels === undefined ? { witness, pending: true } : { witness, levels })
    status.dispatched += rows.length
  }

  return {
    async run(signal) {
      let failures = 0
      while (!signal.aborted) {
        try {
          await poll()
          failures = 0
        } catch (error) {
          failures++
          current = undefined
          if (failures === 1 || failures % 100 === 0)
            logger.warn({ err: error, failures }, 'reading the pending block failed; retrying')
        }
        const wait =
          status.available === false
            ? 30_000
            : failures === 0
              ? pollMs
              : Math.min(10_000, pollMs * 2 ** failures)
        await sleep(wait, undefined, { signal }).catch(() => {}) // an abort ends the wait
      }
    },
    status: () => status,
  }
}
