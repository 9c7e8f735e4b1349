import type { Http2Server } from 'node:http2'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { createPublicClient } from 'viem'
import { createRpcClient, evmChain, type RpcRequest, redactUrl, rpcTransport } from '../chain/index.ts'
import { ApiaryError } from '../internal/errors.ts'
import { createMetrics } from '../internal/metrics.ts'
import { createShutdown } from '../internal/shutdown.ts'
import { type ChallengeWatcher, createChallengeWatcher } from './challenges/index.ts'
import type { CoordinatorOptions } from './coordinatorOptions.ts'
import type { CoordinatorStatus } from './coordinatorStatus.ts'
import { buildHttpApi } from './http/index.ts'
import { type ChatGateway, DEFAULT_JOB_PRICES, type JobBoard } from './jobs/index.ts'
import { acquireLeaderLease } from './leader/index.ts'
import { createOutbox, type Outbox } from './outbox/index.ts'
import { registerCoordinatorMetrics } from './registerCoordinatorMetrics.ts'
import {
  createGrpcRelay,
  createStandbyView,
  type LiveView,
  leaderSnapshot,
  SNAPSHOT_KEY,
} from './replica/index.ts'
import { createGrpcServer } from './rpc/index.ts'
import { startLeading } from './startLeading.ts'
import { openStore, type Store } from './store/index.ts'

export type { CoordinatorOptions } from './coordinatorOptions.ts'

export interface Coordinator {
  /** The agents' gRPC server, not listening: the caller listens (startCoordinator in the CLI). */
  grpc: Http2Server
  /** The HTTP API, not listening. */
  http: FastifyInstance
  status(): CoordinatorStatus
  role(): 'leader' | 'standby'
  /**
   * Campaigns for the leader lease — a standby waits here, serving the HTTP API from the store and relaying
   * agents' calls to the leader — then leads. `grpcUrl`: where the other replicas relay agents' calls to it.
   */
  lead(grpcUrl: string): Promise<void>
  /** Resolves when this replica stops leading (then it has closed itself): why. */
  lost: Promise<string>
  close(): Promise<void>
}

/** How often the leader publishes its live state for the standbys (ms). */
const PUBLISH_MS = 1000

/**
 * Builds one replica of a coordinator on its store: its two servers — the agents' gRPC and the HTTP API,
 * which it does not listen on (only the CLI listens) — serving as a standby until `lead` wins the lease:
 * the HTTP API from the store and the leader's published state, agents' calls relayed to the leader. The
 * leader runs everything that writes (startLeading), each write fenced by its lease term.
 */
export async function createCoordinator(options: CoordinatorOptions): Promise<Coordinator> {
  const { logger } = options
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
  let settleLost: (reason: string) => void = () => {}
  const lost = new Promise<string>((resolve) => {
    settleLost = resolve
  })
  try {
    if (rpc !== undefined) await checkChain(database, rpc, chainId, options.datadir, 'read')

    let leading = false
    /** The job board, once this replica leads. */
    let jobs: JobBoard | undefined
    let chat: ChatGateway | undefined
    /** The challenge runner's transactions, once this replica leads (its store fenced by the term). */
    let runnerOutbox: Outbox | undefined
    let challenges: ChallengeWatcher | undefined
    if (options.challenges !== undefined) {
      if (options.rpcUrl === undefined)
        throw new ApiaryError('APIARY_CHALLENGES_NEED_CHAIN', 'indexing swarm challenges needs --rpc', {
          usage: true,
        })
      // Every replica indexes the challenges it serves; only the leader opens and finalizes them.
      challenges = await createChallengeWatcher({
        ...options.challenges,
        logger: logger.child({ component: 'challenges' }),
        rpcUrl: options.rpcUrl,
        outbox: () => runnerOutbox,
      })
      const watcher = challenges
      shutdown.add(() => watcher.close())
    }

    const standby = await createStandbyView({ store: database, chainId, challenge: () => challenges?.last() })
    shutdown.add(() => standby.close())
    let view: LiveView = standby
    const relay = createGrpcRelay({ leader: async () => standby.leaderGrpcUrl(), logger })
    shutdown.add(() => relay.close())
    const grpcServer = createGrpcServer({
      logger,
      masterSecret: options.masterSecret,
      revoked,
      relay: relay.handle,
    })
    shutdown.add(() => grpcServer.close())

    // Ready: the store answers (probed at most every 5 s); as the leader, also the chain follower keeps up.
    let leaderReasons: (() => string[]) | undefined
    const probe = { at: 0, error: undefined as string | undefined }
    const readiness = () => {
      const now = Date.now()
      if (now - probe.at > 5000) {
        probe.at = now
        const probing = leading ? leaderStore?.probeWrite() : database.probeRead()
        probing?.then((error) => {
          probe.error = error
        })
      }
      const reasons: string[] = []
      if (probe.error !== undefined)
        reasons.push(`the store cannot ${leading ? 'write' : 'be read'} (${probe.error})`)
      reasons.push(...(leaderReasons?.() ?? []))
      return { ready: reasons.length === 0, reasons }
    }
    let leaderStore: Store | undefined
    probe.error = await database.probeRead()
    probe.at = Date.now()

    registerCoordinatorMetrics(metrics, {
      status: () => view.status(),
      accuracy: { levels: () => view.accuracy().levels() },
    })
    const sealing = options.rewards?.sealing
    const http = buildHttpApi({
      store: database,
      live: () => view,
      chainId,
      logger,
      metrics,
      masterSecret: options.masterSecret,
      revoked,
      readiness,
      limits: options.httpLimits,
      startedAt: Date.now(),
      rewards:
        options.rewards === undefined
          ? undefined
          : {
              pool: options.rewards.settlement?.pool,
              hotWallet: options.rewards.settlement?.hotWallet.address.toLowerCase(),
            },
      epochs:
        sealing === undefined
          ? undefined
          : {
              dir: join(options.datadir, 'epochs'),
              chainId: Number(chainId),
              signer: sealing.signer.address.toLowerCase(),
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
      chat: { gateway: () => chat, revokedClients: options.revokedClients ?? new Set() },
      jobs: {
        board: () => jobs,
        escrow: options.jobs?.escrow,
        prices: options.jobs?.prices ?? DEFAULT_JOB_PRICES,
        revokedClients: options.revokedClients ?? new Set(),
      },
    })
    shutdown.add(() => http.close())

    const lead = async (grpcUrl: string) => {
      const lease = await acquireLeaderLease({
        store: database,
        logger,
        ttlMs: options.leaseMs ?? 5000,
        signal: shutdown.signal,
      })
      shutdown.add(() => lease.release())
      void lease.lost.then(async (reason) => {
        if (reason !== 'released') {
          logger.error(
            { reason },
            'no longer the leader: stopping (a supervisor restarts this replica as a standby)',
          )
          await close()
        }
        settleLost(reason)
      })
      const store = database.fenced(lease.term)
      if (rpc !== undefined) await checkChain(store, rpc, chainId, options.datadir, 'bind')
      const leader = await startLeading({
        options,
        logger,
        metrics,
        rpc,
        chainId,
        store,
        shutdown,
        challenges,
      })
      // From here this replica serves agents itself; calls relayed before go on to the old leader, which
      // is gone, so their agents call again and land here.
      grpcServer.serve(leader.rpc)
      relay.close()
      standby.close()
      view = leader.view
      jobs = leader.jobs
      chat = leader.chat
      leaderStore = store
      leaderReasons = leader.readiness
      leading = true
      const runner = options.challenges?.runner
      if (runner !== undefined && options.rpcUrl !== undefined)
        runnerOutbox = createOutbox({
          store,
          logger: logger.child({ component: 'challenges' }),
          client: createPublicClient({
            chain: evmChain(Number(chainId), options.rpcUrl, 'challenges'),
            transport: rpcTransport(options.rpcUrl, { retryCount: 0 }),
          }),
          wallet: runner.creator,
          chainId: Number(chainId),
          maxFeePerGasWei: runner.maxFeePerGasWei,
        })
      probe.at = 0
      const publish = () => store.meta.set(SNAPSHOT_KEY, leaderSnapshot(view, lease.term.token, grpcUrl))
      await publish()
      const publisher = setInterval(
        () => publish().catch((error) => logger.warn({ err: error }, 'cannot publish the live state')),
        PUBLISH_MS,
      )
      shutdown.add(() => clearInterval(publisher))
      // Closed first: agents stop handing in work before the leader's parts stop.
      shutdown.add(() => grpcServer.close())
    }

    return {
      grpc: grpcServer.server,
      http,
      status: () => view.status(),
      role: () => view.role,
      lead,
      close,
      lost,
    }
  } catch (error) {
    await close()
    throw error
  }
}

/**
 * A datadir (or database) belongs to one chain (chain id and genesis hash): following another one with it
 * is refused. A standby only reads the binding; the leader makes it.
 */
async function checkChain(
  store: Store,
  rpc: RpcRequest,
  chainId: bigint,
  datadir: string,
  mode: 'read' | 'bind',
) {
  const genesis = (await rpc('eth_getBlockByNumber', ['0x0', false])) as { hash: string } | null
  const identity = `${chainId}:${genesis?.hash ?? 'unknown'}`
  const known = mode === 'bind' ? await store.meta.bind('chain', identity) : await store.meta.get('chain')
  if (known !== undefined && known !== identity)
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
