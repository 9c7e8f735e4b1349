import type { Http2Server } from 'node:http2'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { createRpcClient, type RpcRequest, redactUrl } from '../chain/index.ts'
import { Level } from '../gen/apiary/v1/swarm_pb.js'
import { ApiaryError } from '../internal/errors.ts'
import type { Logger } from '../internal/logger.ts'
import { createMetrics } from '../internal/metrics.ts'
import { createShutdown } from '../internal/shutdown.ts'
import { createEngineCrypto, createVmPool } from '../validation/index.ts'
import { type CanaryMaker, createCanaryMaker, excludeIfDue } from './canaries/index.ts'
import {
  type ChallengeWatcher,
  type ChallengeWatcherOptions,
  createChallengeWatcher,
} from './challenges/index.ts'
import type { CoordinatorStatus } from './coordinatorStatus.ts'
import { createDispatcher } from './dispatch/index.ts'
import { latestPayout, type RewardOptions, startRewards } from './epochs/index.ts'
import {
  createBlockClock,
  createFollower,
  createPendingFollower,
  type Follower,
  type PendingFollower,
  type WitnessSource,
} from './follower/index.ts'
import { buildHttpApi } from './http/index.ts'
import { acquireLeaderLease } from './leader/index.ts'
import { registerCoordinatorMetrics } from './registerCoordinatorMetrics.ts'
import { loadReplay } from './replay/index.ts'
import { createGrpcServer } from './rpc/index.ts'
import { createAccuracy, type ScoredField } from './scoring/index.ts'
import { openStore, type Store } from './store/index.ts'
import { createTaskHub, TASK_LEVELS, type TaskHub } from './work/index.ts'

export interface CoordinatorOptions {
  logger: Logger
  /** Directory of `coordinator.db` and the sealed bundles; `:memory:` for a throwaway store. */
  datadir: string
  /** A PostgreSQL URL: the state lives there instead of `<datadir>/coordinator.db`. */
  databaseUrl?: string | undefined
  masterSecret: string
  /** Chain to follow; without it, `replay` must be given. */
  rpcUrl?: string | undefined
  /** Directory of go-ethereum tracer fixtures to replay instead of following a chain. */
  replay?: string | undefined
  fork: string
  confirmations: number
  pollMs: number
  fromBlock?: number | undefined
  /** Where witnesses come from (see FollowerDependencies.witness); default auto. */
  witness?: WitnessSource | undefined
  /**
   * Pre-confirmation work from the node's pending block (default true): the only chain work that earns
   * (docs/rewards.md#what-earns). Off, or on a node without a pending block, only canaries earn.
   */
  pending?: boolean | undefined
  /** How often the pending block and the head are read (default 100 ms). */
  pendingPollMs?: number | undefined
  /** Share of pending transactions a canary is made from (default 1/8; 0: none). docs/rewards.md#canaries */
  canaryRate?: number | undefined
  redundancy: number
  deadlineMs: number
  heartbeatIntervalMs?: number
  /** The leader lease's term (ms): a standby takes over this long after the leader stops renewing it. */
  leaseMs?: number | undefined
  revoked?: ReadonlySet<string>
  /** How long a queued task may wait for agents before it is dropped (also bounds what a restart re-queues). */
  taskTtlMs?: number
  /** Epochs and rewards; without it no epoch is kept. */
  rewards?: RewardOptions | undefined
  /** Index a SwarmChallenge (HTTP /v1/challenges) and, with a runner, open and finalize challenges. */
  challenges?: Omit<ChallengeWatcherOptions, 'logger' | 'rpcUrl'> | undefined
  /** The Mailbox whose messages GET /v1/messages serves (docs/spec/message.md). */
  mailbox?: `0x${string}` | undefined
}

export interface Coordinator {
  /** The agents' gRPC server, not listening: the caller listens (startCoordinator in the CLI). */
  grpc: Http2Server
  /** The HTTP API, not listening. */
  http: FastifyInstance
  status(): CoordinatorStatus
  /** Resolves when this replica stops leading (then it has closed itself): why. */
  lost: Promise<string>
  close(): Promise<void>
}

/**
 * Builds a coordinator once it holds the leader lease (a standby waits here): store, dispatcher, task hub,
 * the chain follower (or a replay), epochs, and its two servers — the agents' gRPC and the HTTP API — which
 * it does not listen on: only the CLI listens (startCoordinator). Work stored before a restart is queued
 * again: every inclusion of the last `taskTtlMs` with fewer than `redundancy` results at a level, skipping
 * the agents that answered it.
 */
export async function createCoordinator(options: CoordinatorOptions): Promise<Coordinator> {
  const { logger } = options
  const taskTtlMs = options.taskTtlMs ?? 600_000
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 5000
  const revoked = options.revoked ?? new Set<string>()
  if (options.rpcUrl === undefined && options.replay === undefined)
    throw new ApiaryError(
      'APIARY_COORDINATOR_NO_SOURCE',
      'give --rpc URL (a chain to follow) or --replay DIR',
      {
        usage: true,
      },
    )
  const metrics = createMetrics()
  const rpc =
    options.rpcUrl === undefined
      ? undefined
      : createRpcClient(options.rpcUrl, {
          observe: (method, outcome, seconds) => metrics.rpcDuration.observe({ method, outcome }, seconds),
        })
  let chainId = 1n
  if (rpc !== undefined) {
    try {
      chainId = BigInt((await rpc('eth_chainId', [])) as string)
    } catch (cause) {
      throw new ApiaryError(
        'APIARY_RPC_UNREACHABLE',
        `cannot reach the chain at ${redactUrl(options.rpcUrl ?? '')}`,
        {
          cause,
          hints: ['check --rpc, or start a devnet with `apiary devnet`'],
        },
      )
    }
  }
  const database = await openStore({
    url: options.databaseUrl,
    path: options.datadir === ':memory:' ? ':memory:' : join(options.datadir, 'coordinator.db'),
  })
  // One shutdown stack: every part closes, last opened first, even when another fails (its error is logged).
  const shutdown = createShutdown()
  shutdown.add(() => database.close())
  const close = () =>
    shutdown
      .close()
      .catch((error) => logger.error({ err: error }, 'parts of the coordinator failed to close'))
  let lost: Promise<string> = new Promise(() => {})
  try {
    // One leader per database: a replica started while another leads waits here as a standby. Everything
    // the leader writes is fenced by its term; the HTTP API only reads.
    const lease = await acquireLeaderLease({
      store: database,
      logger,
      ttlMs: options.leaseMs ?? 5000,
      signal: shutdown.signal,
    })
    shutdown.add(() => lease.release())
    lost = lease.lost.then(async (reason) => {
      if (reason !== 'released') {
        logger.error(
          { reason },
          'no longer the leader: stopping (a supervisor restarts this replica as a standby)',
        )
        await close()
      }
      return reason
    })
    const store = database.fenced(lease.term)
    if (rpc !== undefined) await checkChain(store, rpc, chainId, options.datadir)
    const accuracy = createAccuracy()
    for (const row of await store.work.scoredGroups()) {
      const list = (text: string) => (text === '' ? [] : text.split(','))
      accuracy.add(
        row.agentId,
        row.level,
        { fields: list(row.fields) as ScoredField[], mismatches: list(row.mismatches) as ScoredField[] },
        row.n,
      )
    }
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
    const hub = await createTaskHub({
      store,
      dispatcher,
      accuracy,
      logger,
      onAck: (level, seconds) =>
        metrics.dispatchAckDuration.observe({ level: Level[level] ?? String(level) }, seconds),
      onCanaryFailed: (agentId) => exclude(agentId),
    })
    const requeued = await requeue(store, hub, options.redundancy, Date.now() - taskTtlMs)
    if (requeued > 0) logger.info({ inclusions: requeued }, 're-queued unfinished work from the store')

    const ticker = setInterval(() => hub.tick(), 100)
    shutdown.add(() => clearInterval(ticker))

    let follower: Follower | undefined
    let pending: PendingFollower | undefined
    let canaries: CanaryMaker | undefined
    let ready = false
    if (options.replay !== undefined) {
      const { loaded, skipped } = await loadReplay({ dir: options.replay, store, hub, logger })
      logger.info({ loaded, skipped, dir: options.replay }, 'replaying tracer fixtures')
      ready = true
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
          })
    if (rewards !== undefined) shutdown.add(() => rewards.close())

    const { server: grpc, close: closeGrpc } = createGrpcServer({
      store,
      hub,
      logger,
      masterSecret: options.masterSecret,
      chainId,
      revoked,
      heartbeatIntervalMs,
      payout: rewards === undefined ? undefined : (agentId: string) => latestPayout(store, agentId),
      pool: options.rewards?.settlement?.pool,
    })
    shutdown.add(() => closeGrpc())

    let challenges: ChallengeWatcher | undefined
    if (options.challenges !== undefined) {
      if (options.rpcUrl === undefined)
        throw new ApiaryError('APIARY_CHALLENGES_NEED_CHAIN', 'indexing swarm challenges needs --rpc', {
          usage: true,
        })
      challenges = await createChallengeWatcher({
        ...options.challenges,
        logger: logger.child({ component: 'challenges' }),
        rpcUrl: options.rpcUrl,
      })
      const watcher = challenges
      shutdown.add(() => watcher.close())
    }

    // Ready: the store writes (probed at most every 5 s), and with a chain: the last poll succeeded, and the
    // follower is at the head or has moved within the last minute.
    const probe = { at: Date.now(), error: await store.probeWrite() }
    const readiness = () => {
      const reasons: string[] = []
      const now = Date.now()
      if (now - probe.at > 5000) {
        probe.at = now
        store.probeWrite().then((error) => {
          probe.error = error
        })
      }
      if (probe.error !== undefined) reasons.push(`the store cannot write (${probe.error})`)
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
      } else if (!ready) reasons.push('the replay is not loaded')
      return { ready: reasons.length === 0, reasons }
    }

    const status = (): CoordinatorStatus => {
      const f = follower?.status()
      const p = pending?.status()
      return {
        chainId,
        head: f?.head,
        followed: f?.followed,
        pending:
          p === undefined || f === undefined ? undefined : { ...p, landed: f.landed, voided: f.voided },
        history: f?.history,
        canaries: canaries === undefined ? undefined : { ...canaries.status(), ...hub.canaries() },
        agentsLive: hub.connected().size,
        counters: hub.counters(),
        accuracy: { total: accuracy.total(), agents: accuracy.agents() },
        epoch: rewards?.clock.current(),
        settlement: rewards?.settler?.status(),
        sealing: rewards?.sealer?.status(),
        challenge: challenges?.last(),
      }
    }
    registerCoordinatorMetrics(metrics, { status, accuracy })

    const http = buildHttpApi({
      store: database,
      hub,
      accuracy,
      chainId,
      follower: () => follower?.status(),
      logger,
      metrics,
      masterSecret: options.masterSecret,
      revoked,
      readiness,
      startedAt: Date.now(),
      rewards:
        rewards === undefined
          ? undefined
          : {
              clock: rewards.clock,
              settler: rewards.settler,
              pool: options.rewards?.settlement?.pool,
              hotWallet: options.rewards?.settlement?.hotWallet.address.toLowerCase(),
            },
      epochs:
        rewards?.sealer === undefined || options.rewards?.sealing === undefined
          ? undefined
          : {
              clock: rewards.clock,
              dir: join(options.datadir, 'epochs'),
              chainId: Number(chainId),
              signer: options.rewards.sealing.signer.address.toLowerCase(),
              rpcUrl: options.rpcUrl,
            },
      challenges:
        challenges === undefined || options.challenges === undefined
          ? undefined
          : { watcher: challenges, contract: options.challenges.contract.toLowerCase() },
      chain:
        rpc === undefined || options.rpcUrl === undefined
          ? undefined
          : { rpc, rpcUrl: options.rpcUrl, mailbox: options.mailbox },
    })
    shutdown.add(() => http.close())
    return { grpc, http, status, close, lost }
  } catch (error) {
    await close()
    throw error
  }
}

/** A follower behind the head that has not moved for this long is stuck. */
const STUCK_MS = 60_000

/** Queues again what the store holds unfinished; returns how many inclusions. */
async function requeue(store: Store, hub: TaskHub, redundancy: number, since: number) {
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
    const own = key.startsWith('canary:') ? [Number(key.split(':')[1])] : TASK_LEVELS
    const levels = own.filter((level) => (answeredBy.get(level)?.length ?? 0) < redundancy)
    if (levels.length === 0) continue
    hub.enqueue(key, { answeredBy, levels })
    count++
  }
  return count
}

/** A datadir belongs to one chain (chain id and genesis hash): following another one with it is refused. */
async function checkChain(store: Store, rpc: RpcRequest, chainId: bigint, datadir: string) {
  const genesis = (await rpc('eth_getBlockByNumber', ['0x0', false])) as { hash: string } | null
  const identity = `${chainId}:${genesis?.hash ?? 'unknown'}`
  const known = await store.meta.bind('chain', identity)
  if (known !== identity)
    throw new ApiaryError(
      'APIARY_STORE_OTHER_CHAIN',
      `the datadir ${datadir} holds the state of another chain`,
      {
        usage: true,
        details: { stored: known, node: identity },
        hints: ['use another --datadir for this chain'],
      },
    )
}
