import { join } from 'node:path'
import { createPublicClient } from 'viem'
import {
  ESCROW_ASSETS,
  evmChain,
  JobEscrow,
  type RpcRequest,
  rpcTransport,
  simulationWitness,
} from '../chain/index.ts'
import { Level } from '../gen/apiary/v1/swarm_pb.js'
import type { Logger } from '../internal/logger.ts'
import type { Metrics } from '../internal/metrics.ts'
import type { Shutdown } from '../internal/shutdown.ts'
import { createEngineCrypto, createVmPool } from '../validation/index.ts'
import { type CanaryMaker, createCanaryMaker, excludeIfDue } from './canaries/index.ts'
import type { ChallengeWatcher } from './challenges/index.ts'
import type { CoordinatorOptions, JobOptions } from './coordinatorOptions.ts'
import { createDispatcher } from './dispatch/index.ts'
import { latestPayout, startRewards } from './epochs/index.ts'
import {
  createBlockClock,
  createFollower,
  createPendingFollower,
  type Follower,
  type PendingFollower,
} from './follower/index.ts'
import {
  type ChatGateway,
  createChatGateway,
  createJobBoard,
  DEFAULT_CHAT_PRICES,
  type JobBoard,
} from './jobs/index.ts'
import { loadReplay } from './replay/index.ts'
import { createLeaderView, type LiveView, loadAccuracy } from './replica/index.ts'
import type { SwarmRpcDependencies } from './rpc/index.ts'
import type { Store } from './store/index.ts'
import { createTaskHub, TASK_LEVELS, type TaskHub } from './work/index.ts'

export interface LeadingContext {
  options: CoordinatorOptions
  logger: Logger
  metrics: Metrics
  rpc: RpcRequest | undefined
  chainId: bigint
  /** The store fenced by this replica's lease term: every write refused once the term is over. */
  store: Store
  shutdown: Shutdown
  challenges: ChallengeWatcher | undefined
}

export interface Leading {
  view: LiveView
  /** Client jobs, when the coordinator takes them. */
  jobs: JobBoard | undefined
  /** The OpenAI-compatible gateway, with jobs. */
  chat: ChatGateway | undefined
  /** What the gRPC server serves agents with from now on. */
  rpc: Omit<SwarmRpcDependencies, 'logger' | 'masterSecret' | 'revoked'>
  /** Whether the chain follower keeps up (or the replay is loaded): reasons when not. */
  readiness(): string[]
}

/** A follower behind the head that has not moved for this long is stuck. */
const STUCK_MS = 60_000

/**
 * What only the leader runs, once it holds the lease: the dispatcher and task hub (work stored before is
 * queued again: every inclusion of the last `taskTtlMs` with fewer than `redundancy` results at a level,
 * skipping the agents that answered it), the chain follower and pre-confirmation work (or a replay), and
 * the epoch lifecycle. Every part is registered on the shutdown stack.
 */
export async function startLeading({
  options,
  logger,
  metrics,
  rpc,
  chainId,
  store,
  shutdown,
  challenges,
}: LeadingContext): Promise<Leading> {
  const taskTtlMs = options.taskTtlMs ?? 600_000
  const accuracy = await loadAccuracy(store)
  const dispatcher = createDispatcher({
    redundancy: options.redundancy,
    deadlineMs: options.deadlineMs,
    taskTtlMs,
  })
  /** Repeated canary failures exclude an agent: stored with its reason, and its streams end. */
  const exclude = (agentId: string) => {
    // An excluded agent's wrong answers still in flight cost nothing more.
    if (hub.excluded(agentId)) return
    excludeIfDue(store, agentId, Date.now()).then(
      (exclusion) => {
        if (exclusion === undefined) return
        logger.warn({ agentId, ...exclusion }, 'agent excluded for canary failures')
        hub.exclude(agentId)
      },
      (error) => logger.error({ err: error, agentId }, 'cannot record an exclusion'),
    )
  }
  let jobs: JobBoard | undefined
  let chat: ChatGateway | undefined
  const levels = options.stateDiffs === undefined ? TASK_LEVELS : [...TASK_LEVELS, Level.L4]
  const hub = await createTaskHub({
    store,
    dispatcher,
    accuracy,
    logger,
    levels,
    jobs: {
      task: async (key) => jobs?.task(key),
      answer: async (agentId, taskId, key, result) => jobs?.answer(agentId, taskId, key, result),
    },
    onAck: (level, seconds) =>
      metrics.dispatchAckDuration.observe({ level: Level[level] ?? String(level) }, seconds),
    onCanaryFailed: (agentId) => exclude(agentId),
  })
  const requeued = await requeue(store, hub, options.redundancy, Date.now() - taskTtlMs, levels)
  if (requeued > 0) logger.info({ inclusions: requeued }, 're-queued unfinished work from the store')

  const ticker = setInterval(() => hub.tick(), 100)
  shutdown.add(() => clearInterval(ticker))

  if (options.jobs !== undefined && rpc !== undefined && options.rpcUrl !== undefined) {
    jobs = startJobs(options, {
      store,
      logger,
      rpc,
      rpcUrl: options.rpcUrl,
      chainId,
      hub,
      shutdown,
    })
    const restored = await jobs.restore()
    if (restored > 0) logger.info({ jobs: restored }, 're-queued open client jobs')
    chat = createChatGateway({
      board: jobs,
      hub,
      logger: logger.child({ component: 'chat' }),
      prices: options.jobs.chatPrices ?? DEFAULT_CHAT_PRICES,
    })
  }

  let follower: Follower | undefined
  let pending: PendingFollower | undefined
  let canaries: CanaryMaker | undefined
  let replayed = false
  if (options.replay !== undefined) {
    const { loaded, skipped } = await loadReplay({ dir: options.replay, store, hub, logger })
    logger.info({ loaded, skipped, dir: options.replay }, 'replaying tracer fixtures')
    replayed = true
  } else if (rpc !== undefined) {
    const clock = await createBlockClock({ store })
    if (options.pending !== false) {
      const crypto = createEngineCrypto()
      const vms = createVmPool(crypto)
      canaries = createCanaryMaker({
        store,
        rpc,
        logger,
        crypto,
        vms,
        chainId,
        fork: options.fork,
        rate: options.canaryRate,
      })
      pending = createPendingFollower({
        canaries,
        crypto,
        vms,
        rpc,
        store,
        hub,
        logger,
        clock,
        chainId,
        fork: options.fork,
        pollMs: options.pendingPollMs,
      })
      const watching = pending.run(shutdown.signal)
      shutdown.add(() => watching)
    }
    follower = createFollower({
      clock,
      rpc,
      store,
      hub,
      logger,
      chainId,
      fork: options.fork,
      confirmations: options.confirmations,
      pollMs: options.pollMs,
      fromBlock: options.fromBlock,
      witness: options.witness,
      stateDiffs: options.stateDiffs,
    })
    const running = follower.run(shutdown.signal)
    shutdown.add(() => running)
  }

  const rewards =
    options.rewards === undefined
      ? undefined
      : await startRewards(options.rewards, {
          store,
          logger,
          chainId,
          rpcUrl: options.rpcUrl,
          followed: () => follower?.status().followed,
          signal: shutdown.signal,
          onClose: (closed) => {
            for (const agent of closed.agents) if (agent.canariesFailed > 0) exclude(agent.agentId)
          },
          epochsDir: options.datadir === ':memory:' ? undefined : join(options.datadir, 'epochs'),
          escrow: options.jobs?.escrow,
        })
  if (rewards !== undefined) shutdown.add(() => rewards.close())

  const view = createLeaderView({
    chainId,
    hub,
    accuracy,
    follower: () => follower?.status(),
    epoch: () => rewards?.clock.current(),
    settler: () => rewards?.settler?.status(),
    more: () => {
      const f = follower?.status()
      const p = pending?.status()
      return {
        pending:
          p === undefined || f === undefined ? undefined : { ...p, landed: f.landed, voided: f.voided },
        canaries: canaries === undefined ? undefined : { ...canaries.status(), ...hub.canaries() },
        sealing: rewards?.sealer?.status(),
        challenge: challenges?.last(),
      }
    },
  })
  return {
    view,
    jobs,
    chat,
    rpc: {
      chat,
      store,
      hub,
      chainId,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 5000,
      payout: rewards === undefined ? undefined : (agentId: string) => latestPayout(store, agentId),
      pool: options.rewards?.settlement?.pool,
      stateDiffs: options.stateDiffs !== undefined,
    },
    readiness() {
      const reasons: string[] = []
      const now = Date.now()
      const f = follower?.status()
      if (f !== undefined) {
        if (f.lastPollAt === undefined && f.lastError === undefined)
          reasons.push('the chain has not been read yet')
        if (f.lastError !== undefined) reasons.push(`the chain is unreachable (${f.lastError})`)
        if (
          f.head !== undefined &&
          f.followed !== undefined &&
          f.head > f.followed &&
          now - (f.progressAt ?? now) > STUCK_MS
        )
          reasons.push(`the follower is stuck ${f.head - f.followed} blocks behind the head`)
      } else if (!replayed) reasons.push('the replay is not loaded')
      return reasons
    },
  }
}

/**
 * The job board of a leader: escrow balances read at the follower's confirmation depth, witnesses traced
 * on the followed node, its tick every second.
 */
function startJobs(
  options: CoordinatorOptions,
  deps: {
    store: Store
    logger: Logger
    rpc: RpcRequest
    rpcUrl: string
    chainId: bigint
    hub: TaskHub
    shutdown: Shutdown
  },
): JobBoard {
  const { escrow, prices } = options.jobs as JobOptions
  const client = createPublicClient({
    chain: evmChain(Number(deps.chainId), deps.rpcUrl, 'jobs'),
    transport: rpcTransport(deps.rpcUrl, { retryCount: 1 }),
  })
  const logger = deps.logger.child({ component: 'jobs' })
  const board = createJobBoard({
    store: deps.store,
    logger,
    prices,
    redundancy: options.redundancy,
    async escrowBalance(account, asset) {
      // Two reads at the confirmation depth: the balance and the announced withdrawal.
      const head = await client.getBlockNumber()
      const blockNumber = head - BigInt(Math.min(options.confirmations, Number(head)))
      const id = ESCROW_ASSETS[asset]
      const at = { address: escrow, abi: JobEscrow.abi, blockNumber } as const
      const [balance, [announced]] = await Promise.all([
        client.readContract({ ...at, functionName: 'balanceOf', args: [account, id] }),
        client.readContract({ ...at, functionName: 'withdrawalOf', args: [account, id] }),
      ])
      return { amount: balance - announced, block: Number(blockNumber) }
    },
    buildWitness: (input) =>
      simulationWitness(deps.rpc, { input, chainId: deps.chainId, fork: options.fork }),
    enqueue: (key, { answered, excluded }) =>
      deps.hub.enqueue(key, {
        levels: [Level.L3],
        answeredBy: new Map([[Level.L3, answered]]),
        excluded,
      }),
  })
  let ticking = false
  const ticker = setInterval(() => {
    if (ticking) return
    ticking = true
    board
      .tick()
      .catch((error) => logger.warn({ err: error }, 'job tick failed'))
      .finally(() => {
        ticking = false
      })
  }, 1000)
  deps.shutdown.add(() => clearInterval(ticker))
  return board
}

/** Queues again what the store holds unfinished; returns how many inclusions. */
async function requeue(
  store: Store,
  hub: TaskHub,
  redundancy: number,
  since: number,
  allLevels: readonly number[],
) {
  const rows = await store.work.unfinished(since)
  const answered = new Map<string, Map<number, string[]>>()
  for (const row of rows) {
    const byLevel = answered.get(row.key) ?? new Map<number, string[]>()
    answered.set(row.key, byLevel)
    if (row.level !== null && row.agent_id !== null)
      byLevel.set(row.level, [...(byLevel.get(row.level) ?? []), row.agent_id])
  }
  let count = 0
  for (const [key, answeredBy] of answered) {
    // A canary's inclusion is one level's (`canary:<level>:<hash>`): its truth is that level's answer.
    const own = key.startsWith('canary:') ? [Number(key.split(':')[1])] : allLevels
    const levels = own.filter((level) => (answeredBy.get(level)?.length ?? 0) < redundancy)
    if (levels.length === 0) continue
    hub.enqueue(key, { answeredBy, levels })
    count++
  }
  return count
}
