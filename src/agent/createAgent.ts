import { type Client, Code, ConnectError, createClient } from '@connectrpc/connect'
import { createGrpcTransport } from '@connectrpc/connect-node'
import type { LocalAccount } from 'viem/accounts'
import { Level, SwarmService, type Task, type TaskResult } from '../gen/apiary/v1/swarm_pb.js'
import type { Logger } from '../internal/logger.ts'
import type { Metrics } from '../internal/metrics.ts'
import { signRegistration } from '../protocol/index.ts'
import { bytesToBigInt, createEngineCrypto, createVmPool, toHex } from '../validation/index.ts'
import {
  type ChallengeResponderOptions,
  type ChallengeResponderStatus,
  createChallengeResponder,
} from './challenge/index.ts'
import { type ChatBackend, serveChat } from './llm/index.ts'
import { createMessenger, type MessengerOptions, type MessengerStatus } from './messenger/index.ts'
import {
  createL4Executor,
  createStateSync,
  type L4Executor,
  type StateStore,
  type StateSync,
  type StateSyncStatus,
} from './state/index.ts'
import { createTaskRunner } from './work/index.ts'

export interface AgentCoordinator {
  /** `http://host:port` or `https://host:port`. */
  url: string
  apiKey: string
}

export interface AgentOptions {
  logger: Logger
  agentId: string
  coordinators: readonly AgentCoordinator[]
  /** Signs the payout-wallet binding; its address receives rewards. */
  wallet: LocalAccount
  level: Level
  region: string
  /** Tasks in flight per coordinator. */
  maxInFlight: number
  /** Worker threads for validation; 0 validates on the main thread. */
  threads: number
  /** PEM of a CA to trust for https coordinators (beside the system's). */
  tlsCa?: string | undefined
  version?: string
  /** Answer Proof of Swarm challenges with the wallet (docs/spec/challenge.md). */
  challenges?: Omit<ChallengeResponderOptions, 'logger'> | undefined
  /** Read and answer the wallet's messages in a Mailbox (docs/spec/message.md#messenger). */
  messenger?: Omit<MessengerOptions, 'logger'> | undefined
  /** Called with every acknowledgement (tests and metrics). */
  onAck?: (ack: { coordinator: string; taskId: string; accepted: boolean; rejectCode: string }) => void
  /** Test harness only: rewrites each result before it is sent (e.g. to play a lying agent). */
  tamper?: (result: TaskResult) => TaskResult
  /**
   * Test harness only: answers tasks instead of the engine (to play a copying or lazy agent); undefined
   * drops the task unanswered.
   */
  answer?: (task: Task) => Promise<TaskResult | undefined>
  /**
   * Called when a coordinator refuses the agent's credentials (UNAUTHENTICATED, PERMISSION_DENIED): that
   * is not retried, the worker for that coordinator stops.
   */
  onRefused?: (refusal: { coordinator: string; code: string; message: string }) => void
  /** Where task durations are observed (the agent's /metrics, opt-in). */
  metrics?: Pick<Metrics, 'taskDuration'> | undefined
  /**
   * What the agent does: `validator` (validation and evm.simulate, the default), `llm` (only chats, from
   * `chat`) or `both`.
   */
  mode?: 'validator' | 'llm' | 'both' | undefined
  /** The backend that answers llm.chat jobs (docs/jobs.md#agents). */
  chat?: ChatBackend | undefined
  /**
   * L4: the agent's own state (a store with a head: loaded from a snapshot, or as a restart left it), kept
   * current from the first coordinator's StreamStateDiffs; L4 tasks run on it (docs/l4.md).
   */
  state?: StateStore | undefined
}

export interface AgentStatus {
  coordinators: {
    url: string
    connected: boolean
    session: bigint | undefined
    completed: number
    accepted: number
    /** The latest payout the coordinator reported (Heartbeat), if any. */
    lastPayout: AgentPayout | undefined
    /** Why the coordinator refused the agent for good (wrong key, revoked), if it did. */
    refused: string | undefined
  }[]
  challenges: ChallengeResponderStatus | undefined
  messenger: MessengerStatus | undefined
  /** L4: the state the agent holds and how its checks went. */
  state: StateSyncStatus | undefined
}

export interface AgentPayout {
  epoch: number
  amountWei: bigint
  rank: number
  agentsPaid: number
  txHash: `0x${string}`
  pool: `0x${string}`
}

export interface Agent {
  status(): AgentStatus
  /** Stops taking work, finishes and submits what is in flight (up to `graceMs`), then disconnects. */
  close(options?: { graceMs?: number }): Promise<void>
}

const FLUSH_MS = 5
const MAX_RESULTS_PER_CALL = 512

/**
 * An agent: one worker per coordinator, each registering (wallet binding signed by the payout wallet),
 * streaming tasks, validating them on the task runner, and submitting results in small batches; heartbeats
 * keep the session; any failure reconnects with exponential backoff and jitter.
 */
export function createAgent(options: AgentOptions): Agent {
  const runner = createTaskRunner({ threads: options.threads })
  const first = options.coordinators[0]
  const sync =
    options.state === undefined || first === undefined
      ? undefined
      : createStateSync({
          store: options.state,
          client: createClient(SwarmService, transportOf(first.url, options.tlsCa)),
          headers: headersOf(options.agentId, first.apiKey),
          logger: options.logger.child({ component: 'state' }),
        })
  const l4 =
    sync === undefined || options.state === undefined
      ? undefined
      : (() => {
          const crypto = createEngineCrypto()
          return createL4Executor({
            ctx: { crypto, vms: createVmPool(crypto) },
            store: options.state,
            waitFor: sync.waitFor,
          })
        })()
  const workers = options.coordinators.map((coordinator) =>
    startWorker(options, coordinator, runner, l4, sync),
  )
  const responder =
    options.challenges === undefined
      ? undefined
      : createChallengeResponder({ ...options.challenges, logger: options.logger })
  const messenger =
    options.messenger === undefined
      ? undefined
      : createMessenger({ ...options.messenger, logger: options.logger })
  return {
    status: () => ({
      coordinators: workers.map((w) => w.status()),
      challenges: responder?.status(),
      messenger: messenger?.status(),
      state: sync?.status(),
    }),
    async close({ graceMs = 10_000 } = {}) {
      await Promise.all([
        ...workers.map((w) => w.close(graceMs)),
        responder?.close(),
        messenger?.close(),
        sync?.close(),
      ])
      await runner.close()
    },
  }
}

function startWorker(
  options: AgentOptions,
  { url, apiKey }: AgentCoordinator,
  runner: ReturnType<typeof createTaskRunner>,
  l4: L4Executor | undefined,
  sync: StateSync | undefined,
) {
  const logger = options.logger.child({ coordinator: url })
  const headers = headersOf(options.agentId, apiKey)
  const client: Client<typeof SwarmService> = createClient(SwarmService, transportOf(url, options.tlsCa))
  const state = {
    connected: false,
    session: undefined as bigint | undefined,
    completed: 0,
    accepted: 0,
    lastPayout: undefined as AgentPayout | undefined,
    refused: undefined as string | undefined,
  }
  let draining = false
  const stopped = new AbortController()
  let streamAbort = new AbortController()
  const running = new Set<Promise<void>>()
  let outbox: TaskResult[] = []
  let flushing: Promise<void> | undefined
  let flushTimer: NodeJS.Timeout | undefined

  const flush = async (): Promise<void> => {
    flushTimer = undefined
    if (flushing !== undefined) return flushing
    flushing = (async () => {
      while (outbox.length > 0) {
        const batch = outbox.slice(0, MAX_RESULTS_PER_CALL)
        outbox = outbox.slice(batch.length)
        for (let attempt = 0; ; attempt++) {
          try {
            const { acks } = await client.submitResults({ results: batch }, { headers })
            for (const ack of acks) {
              if (ack.accepted) state.accepted++
              else logger.debug({ taskId: ack.taskId, code: ack.rejectCode }, 'result refused')
              options.onAck?.({
                coordinator: url,
                taskId: ack.taskId,
                accepted: ack.accepted,
                rejectCode: ack.rejectCode,
              })
            }
            break
          } catch (error) {
            if (attempt >= 5 || stopped.signal.aborted) {
              logger.warn(
                { err: error, results: batch.length },
                'results not delivered; their tasks will be reassigned',
              )
              break
            }
            await sleep(backoff(attempt), stopped.signal)
          }
        }
      }
    })().finally(() => {
      flushing = undefined
    })
    return flushing
  }
  const queueResult = (result: TaskResult) => {
    outbox.push(options.tamper === undefined ? result : options.tamper(result))
    state.completed++
    if (outbox.length >= MAX_RESULTS_PER_CALL) void flush()
    else flushTimer ??= setTimeout(() => void flush(), FLUSH_MS)
  }

  const session = async (signal: AbortSignal) => {
    const { chainId } = await client.heartbeat({ session: 0n }, { headers, signal })
    const registered = await client.register(
      await signRegistration({
        agentId: options.agentId,
        wallet: options.wallet,
        chainId,
        level: options.level,
        region: options.region,
        maxInFlight: options.maxInFlight,
        agentVersion: options.version ?? 'apiary/0.1.0',
        capabilities: {
          jobTypes: [
            ...(options.mode === 'llm' ? [] : ['validation', 'evm.simulate']),
            ...(options.chat === undefined ? [] : ['llm.chat']),
          ],
          models:
            options.chat?.models.map((m) => ({
              name: m.name,
              sha256: m.sha256 ?? '',
              backend: options.chat?.kind ?? 'openai',
            })) ?? [],
        },
      }),
      { headers, signal },
    )
    state.session = registered.session
    state.connected = true
    logger.info({ session: registered.session, chainId: registered.chainId }, 'registered')
    const heartbeat = setInterval(() => {
      client
        .heartbeat(
          { session: registered.session, inFlight: running.size, state: sync?.report() },
          { headers, signal },
        )
        .then(({ reregister, lastPayout }) => {
          if (reregister) streamAbort.abort('reregister')
          if (lastPayout !== undefined && Number(lastPayout.epoch) !== state.lastPayout?.epoch) {
            state.lastPayout = {
              epoch: Number(lastPayout.epoch),
              amountWei: bytesToBigInt(lastPayout.amount),
              rank: lastPayout.rank,
              agentsPaid: lastPayout.agentsPaid,
              txHash: toHex(lastPayout.txHash),
              pool: toHex(lastPayout.pool),
            }
            logger.info(
              { ...state.lastPayout, amountWei: state.lastPayout.amountWei.toString() },
              'paid for an epoch: claim with apiary claim',
            )
          }
        })
        .catch((error) => logger.warn({ err: error }, 'heartbeat failed'))
    }, registered.heartbeatIntervalMs)
    try {
      for await (const { tasks } of client.streamTasks(
        { session: registered.session },
        { headers, signal },
      )) {
        if (draining) continue
        for (const task of tasks) {
          if (task.job?.type === 'llm.chat') {
            const chat = options.chat
            if (chat === undefined) continue
            const served = client
              .streamJobOutput(serveChat(chat, task, signal), { headers, signal })
              .then(
                ({ rejectCode }) => {
                  state.completed++
                  if (rejectCode !== '') logger.warn({ taskId: task.taskId, rejectCode }, 'chat refused')
                },
                (error) => logger.warn({ err: error, taskId: task.taskId }, 'chat failed'),
              )
              .finally(() => running.delete(served))
            running.add(served)
            continue
          }
          const started = performance.now()
          const job = (
            options.answer !== undefined
              ? options.answer(task)
              : task.level === Level.L4 && l4 !== undefined
                ? l4.answer(task)
                : runner.run(task)
          )
            .then(
              (result) => {
                if (result === undefined) return
                options.metrics?.taskDuration.observe(
                  { level: Level[task.level] ?? String(task.level) },
                  (performance.now() - started) / 1000,
                )
                queueResult(result)
              },
              (error) => logger.warn({ err: error, taskId: task.taskId }, 'task failed'),
            )
            .finally(() => running.delete(job))
          running.add(job)
        }
      }
    } finally {
      clearInterval(heartbeat)
      state.connected = false
    }
  }

  const loop = (async () => {
    let failures = 0
    while (!stopped.signal.aborted) {
      streamAbort = new AbortController()
      const signal = AbortSignal.any([stopped.signal, streamAbort.signal])
      const started = Date.now()
      try {
        await session(signal)
      } catch (error) {
        if (stopped.signal.aborted) break
        const code = error instanceof ConnectError ? Code[error.code] : undefined
        if (error instanceof ConnectError && REFUSALS.has(error.code)) {
          // A wrong key or a revoked agent does not get better by retrying.
          state.refused = `${code}: ${error.rawMessage}`
          logger.error({ code, message: error.rawMessage }, 'the coordinator refused this agent')
          options.onRefused?.({ coordinator: url, code: code ?? '', message: error.rawMessage })
          break
        }
        logger.warn({ code, message: (error as Error).message }, 'disconnected from the coordinator')
      }
      if (Date.now() - started > 10_000) failures = 0
      await sleep(backoff(failures++), stopped.signal)
    }
  })()

  return {
    status: () => ({ url, ...state }),
    async close(graceMs: number) {
      draining = true
      // The grace period ends early once the work in flight is done (its timer must not hold the process).
      const over = new AbortController()
      const grace = sleep(graceMs, over.signal)
      await Promise.race([Promise.all(running), grace])
      if (flushTimer !== undefined) clearTimeout(flushTimer)
      await Promise.race([flush(), grace])
      over.abort()
      stopped.abort('shutdown')
      await loop
    },
  }
}

const headersOf = (agentId: string, apiKey: string) => ({
  'x-apiary-agent-id': agentId,
  authorization: `Bearer ${apiKey}`,
})

const transportOf = (url: string, tlsCa: string | undefined) =>
  createGrpcTransport({ baseUrl: url, ...(tlsCa === undefined ? {} : { nodeOptions: { ca: tlsCa } }) })

/** Answers that mean "not you": not retried. */
const REFUSALS = new Set([Code.Unauthenticated, Code.PermissionDenied])

/** Exponential backoff with full jitter: 250 ms doubling up to 30 s. */
function backoff(attempt: number) {
  return Math.random() * Math.min(30_000, 250 * 2 ** attempt)
}

function sleep(ms: number, signal?: AbortSignal) {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        resolve()
      },
      { once: true },
    )
  })
}
