import { setTimeout as sleep } from 'node:timers/promises'
import { create, toBinary } from '@bufbuild/protobuf'
import type { RpcRequest } from '../../chain/index.ts'
import {
  addStorageRoots,
  blockDiffFromTraces,
  buildWitness,
  type DiffBlock,
  type Prestate,
  type RpcBlock,
  reexecuteBlock,
} from '../../chain/index.ts'
import {
  L4ContextSchema,
  StreamStateDiffsResponseSchema,
  WitnessSchema,
} from '../../gen/apiary/v1/swarm_pb.js'
import { ApiaryError } from '../../internal/errors.ts'
import type { Logger } from '../../internal/logger.ts'
import { stateDiffToMessage, witnessToMessage } from '../../protocol/index.ts'
import {
  createEngineCrypto,
  createVmPool,
  type EngineCrypto,
  fromHex,
  parseWitness,
  type VmPool,
} from '../../validation/index.ts'
import { fetchTruth, predictionMismatches, type Truth } from '../scoring/index.ts'
import type { NewInclusion, Store } from '../store/index.ts'
import type { TaskHub } from '../work/index.ts'
import type { BlockClock } from './createBlockClock.ts'
import { l4Preceding } from './l4Preceding.ts'

export interface FollowerDependencies {
  rpc: RpcRequest
  store: Store
  hub: TaskHub
  logger: Logger
  chainId: bigint
  /** The chain's fork (the node does not say). */
  fork: string
  /** Blocks on top of a transaction's block before it is scored. */
  confirmations: number
  pollMs: number
  /**
   * How witnesses are built: `trace` needs the node's prestateTracer, `reexecute` re-executes every block
   * over parent state read through plain JSON-RPC, `auto` (default) traces when the node can.
   */
  witness?: WitnessSource | undefined
  /** First block to follow when the store has none; default the chain head at start. */
  fromBlock?: number | undefined
  /** Shared with the pending follower, which looks at the head more often. */
  clock: BlockClock
  /**
   * Keep each block's state diff for L4 agents (StreamStateDiffs), the last `stateDiffs` blocks of them;
   * undefined keeps none.
   */
  stateDiffs?: number | undefined
  now?: () => number
}

export interface FollowerStatus {
  head: number | undefined
  followed: number | undefined
  /** Transactions the follower could not turn into a witness, by reason. */
  skipped: Record<string, number>
  /** How witnesses are built; undefined before the first transaction. Without tracing no state diff is scored. */
  tracing: 'traceBlock' | 'traceTransaction' | 'reexecute' | undefined
  /** When the last poll of the node succeeded (ms since the epoch). */
  lastPollAt: number | undefined
  /** The code of the error that made the last poll fail; undefined after a successful one. */
  lastError: string | undefined
  /** When `followed` last moved, or was at the head. */
  progressAt: number | undefined
  /** Pending transactions that landed as they were pre-executed, and those void (landed otherwise or never). */
  landed: number
  voided: number
  /** Mined transactions dispatched as history (no pending task had them): scored for accuracy, never paid. */
  history: number
}

export interface Follower {
  /** Follows the chain until `signal` aborts; RPC failures are logged and retried with backoff. */
  run(signal: AbortSignal): Promise<void>
  status(): FollowerStatus
}

export type WitnessSource = 'auto' | 'trace' | 'reexecute'

type RpcTx = Record<string, unknown> & { hash: string; transactionIndex: string }
type FullBlock = RpcBlock & { transactions: RpcTx[] }

const BLOCKS_PER_POLL = 32
const SCORES_PER_POLL = 256
/** A pending transaction not mined this many blocks after the block it was pre-executed for is void. */
export const VOID_AFTER_BLOCKS = 16

/**
 * Follows new blocks: builds every transaction's witness (go-ethereum's prestateTracer, per block with
 * `debug_traceBlockByNumber` when the node has it, else per transaction, else by re-executing the block over
 * parent state read through JSON-RPC), stores block and inclusions in one
 * transaction, then queues them. Once a block has `confirmations` blocks on top, fetches each transaction's
 * receipt and diff trace and has the hub score it. A parent-hash mismatch unwinds the orphaned blocks, whose
 * transactions are never scored.
 */
export function createFollower({
  rpc,
  store,
  hub,
  logger,
  chainId,
  fork,
  confirmations,
  pollMs,
  fromBlock,
  witness = 'auto',
  clock,
  stateDiffs,
  now = Date.now,
}: FollowerDependencies): Follower {
  const status: FollowerStatus = {
    head: undefined,
    followed: undefined,
    skipped: {},
    tracing: undefined,
    lastPollAt: undefined,
    lastError: undefined,
    progressAt: undefined,
    landed: 0,
    voided: 0,
    history: 0,
  }
  let engine: { crypto: EngineCrypto; vms: VmPool } | undefined
  let proofs = true
  if (witness === 'reexecute') status.tracing = 'reexecute'

  /** The prestate of every transaction of the block, the first call finding out what the node can do. */
  const prestates = async (block: FullBlock): Promise<unknown[]> => {
    const mode = status.tracing
    if (mode === undefined || mode === 'traceBlock') {
      try {
        const traces = (await rpc('debug_traceBlockByNumber', [
          block.number,
          { tracer: 'prestateTracer' },
        ])) as { result: unknown }[]
        status.tracing = 'traceBlock'
        return traces.map((t) => t.result)
      } catch (error) {
        if (mode !== undefined || !refused(error)) throw error
      }
    }
    if (mode === undefined || mode === 'traceTransaction') {
      try {
        const traces = await Promise.all(
          block.transactions.map((tx) =>
            rpc('debug_traceTransaction', [tx.hash, { tracer: 'prestateTracer' }]),
          ),
        )
        status.tracing = 'traceTransaction'
        if (mode === undefined)
          logger.info('the node has no debug_traceBlockByNumber: tracing transaction by transaction')
        return traces
      } catch (error) {
        if (mode !== undefined || !refused(error) || witness === 'trace') throw error
      }
      status.tracing = 'reexecute'
      logger.warn(
        'the node does not trace transactions: re-executing blocks over parent state; state diffs are not scored',
      )
    }
    if (engine === undefined) {
      const crypto = createEngineCrypto()
      engine = { crypto, vms: createVmPool(crypto) }
    }
    return reexecuteBlock({ rpc, ...engine }, { block, chainId, fork })
  }

  const ingest = async (number: number): Promise<'ingested' | 'unwound'> => {
    const block = (await rpc('eth_getBlockByNumber', [`0x${number.toString(16)}`, true])) as FullBlock | null
    if (block === null)
      throw new ApiaryError('APIARY_BLOCK_MISSING', `block ${number} is not there yet`, { retryable: true })
    const parent = await store.chain.blockHash(number - 1)
    if (parent !== undefined && parent !== block.parentHash) {
      const orphans = await store.work.pendingIn(parent)
      await store.transaction((ops) => ops.chain.unwind(number - 1))
      for (const key of orphans) await hub.finalize(key, 'orphaned')
      logger.warn({ block: number - 1, orphaned: orphans.length }, 'reorg: unwound a block')
      return 'unwound'
    }
    const traces = block.transactions.length === 0 ? [] : await prestates(block)
    // EIP-7610: the storage roots of accounts a CREATE could collide with (nothing when the node has no proofs).
    if (proofs && traces.length > 0) {
      proofs = await addStorageRoots(rpc, traces, `0x${(number - 1).toString(16)}`)
      if (!proofs)
        logger.warn('the node has no eth_getProof: witnesses cannot tell a CREATE collision (EIP-7610)')
    }
    const at = now()
    const sighting = clock.sighting(number)
    const seenAt = sighting?.seenAt ?? at
    const absentAt = sighting?.absentAt ?? null
    // Transactions pre-executed while pending land here: their tasks are scored once the block is final.
    const landed = new Set<string>()
    await store.transaction(async (ops) => {
      for (const tx of block.transactions)
        if (
          await ops.work.land(tx.hash, {
            blockNumber: number,
            blockHash: block.hash,
            txIndex: Number(tx.transactionIndex),
            seenAt,
            absentAt,
          })
        )
          landed.add(tx.hash)
    })
    status.landed += landed.size
    const diff =
      stateDiffs === undefined
        ? undefined
        : stateDiffToMessage(
            await blockDiffFromTraces(rpc, block as unknown as DiffBlock, traces as Prestate[]),
          )
    const raw = l4Preceding(block.transactions)
    const inclusions: { key: string; witness: ReturnType<typeof witnessToMessage> }[] = []
    const rows: NewInclusion[] = []
    block.transactions.forEach((tx, i) => {
      if (landed.has(tx.hash)) return
      try {
        const witness = witnessToMessage(
          parseWitness(buildWitness({ tx, block, prestate: traces[i], chainId, fork })),
          { full: true },
        )
        witness.l4 = create(L4ContextSchema, {
          parentNumber: BigInt(number - 1),
          parentHash: fromHex(block.parentHash) ?? new Uint8Array(),
          preceding: raw(i),
        })
        const key = `${block.hash}:${Number(tx.transactionIndex)}`
        inclusions.push({ key, witness })
        rows.push({
          key,
          source: 'chain',
          block_number: number,
          block_hash: block.hash,
          tx_index: Number(tx.transactionIndex),
          tx_hash: tx.hash,
          witness: toBinary(WitnessSchema, witness),
          state: 'pending',
          created_at: at,
          seen_at: seenAt,
          absent_at: absentAt,
        })
      } catch (error) {
        const reason = error instanceof ApiaryError ? error.code : 'WITNESS_INVALID'
        status.skipped[reason] = (status.skipped[reason] ?? 0) + 1
        logger.warn({ tx: tx.hash, reason, err: error }, 'cannot build the witness of a transaction: skipped')
      }
    })
    await store.transaction(async (ops) => {
      await ops.chain.addBlock(
        {
          number,
          hash: block.hash,
          parent_hash: block.parentHash,
          transactions: block.transactions.length,
          followed_at: at,
        },
        rows,
        block.transactions.map((tx) => ({
          block_number: number,
          tx_index: Number(tx.transactionIndex),
          tx_hash: tx.hash,
          sender: String(tx.from).toLowerCase(),
          recipient: typeof tx.to === 'string' ? tx.to.toLowerCase() : null,
          value_wei: BigInt(String(tx.value)).toString(),
          nonce: Number(tx.nonce),
        })),
      )
      if (diff !== undefined && stateDiffs !== undefined)
        await ops.chain.addStateDiff(
          {
            number,
            hash: block.hash,
            parent_hash: block.parentHash,
            diff: toBinary(StreamStateDiffsResponseSchema, diff),
          },
          stateDiffs,
        )
    })
    for (const { key, witness } of inclusions) hub.enqueue(key, { witness, pending: true })
    status.history += inclusions.length
    clock.forget(number)
    status.followed = number
    return 'ingested'
  }

  const score = async (head: number) => {
    const due = await store.work.due(head - confirmations, SCORES_PER_POLL)
    for (let i = 0; i < due.length; i += 8) {
      await Promise.all(
        due.slice(i, i + 8).map(async (row) => {
          const truth = await fetchTruth(rpc, {
            hash: row.tx_hash,
            blockHash: row.block_hash,
            diff: status.tracing !== 'reexecute',
          })
          // A pending transaction is scored only when it landed as it was pre-executed (same outcome).
          const differs =
            truth === 'orphaned' || row.predicted === null
              ? []
              : predictionMismatches(JSON.parse(row.predicted) as Truth, truth)
          if (differs.length > 0) {
            status.voided++
            logger.debug(
              { tx: row.tx_hash, differs },
              'a pending transaction did not land as pre-executed: void',
            )
            await hub.finalize(row.key, 'void')
          } else await hub.finalize(row.key, truth)
        }),
      )
    }
    for (const key of await store.work.unlanded(head - VOID_AFTER_BLOCKS)) {
      status.voided++
      await hub.finalize(key, 'void')
    }
  }

  const poll = async () => {
    const sentAt = now()
    const head = Number(BigInt((await rpc('eth_blockNumber', [])) as string))
    clock.observe(head, sentAt, now())
    status.head = head
    const cursor = (await store.chain.cursor()) ?? (fromBlock ?? head) - 1
    // -1: nothing followed yet (a chain followed from its genesis), not a block.
    if (cursor >= 0) status.followed ??= cursor
    const last = Math.min(head, cursor + BLOCKS_PER_POLL)
    const before = status.followed
    for (let n = cursor + 1; n <= last; n++) if ((await ingest(n)) === 'unwound') break
    await score(head)
    const at = Date.now()
    if (status.followed !== before || status.followed === head || status.progressAt === undefined)
      status.progressAt = at
    status.lastPollAt = at
    status.lastError = undefined
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
          status.lastError = error instanceof ApiaryError ? error.code : 'APIARY_FOLLOWER_FAILED'
          logger.warn({ err: error, failures }, 'following the chain failed; retrying')
        }
        const wait = failures === 0 ? pollMs : Math.min(30_000, pollMs * 2 ** failures)
        await sleep(wait, undefined, { signal }).catch(() => {}) // an abort ends the wait
      }
    },
    status: () => status,
  }
}

/** The node answered the call with an error (the method is missing or disabled), as opposed to not answering. */
function refused(error: unknown): boolean {
  return error instanceof ApiaryError && error.code === 'APIARY_RPC_ERROR'
}
