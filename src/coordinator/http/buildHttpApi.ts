import { fromBinary } from '@bufbuild/protobuf'
import rateLimit from '@fastify/rate-limit'
import swagger from '@fastify/swagger'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod'
import { OPENAPI_INFO, swarm } from '../../api/index.ts'
import { Level, TaskResultSchema } from '../../gen/apiary/v1/swarm_pb.js'
import { edgeError } from '../../internal/errors.ts'
import type { Logger } from '../../internal/logger.ts'
import type { Metrics } from '../../internal/metrics.ts'
import { toHex } from '../../validation/index.ts'
import { authenticateAgent } from '../identity/index.ts'
import type { LiveView } from '../replica/index.ts'
import type { Tally } from '../scoring/index.ts'
import type { Store } from '../store/index.ts'
import { type ChainRoutesDependencies, registerChainRoutes } from './chainRoutes.ts'
import { type ChallengeRoutesDependencies, registerChallengeRoutes } from './challengeRoutes.ts'
import { type ChatRoutesDependencies, registerChatRoutes } from './chatRoutes.ts'
import { type EpochRoutesDependencies, registerEpochRoutes } from './epochRoutes.ts'
import { registerExplorerRoutes } from './explorerRoutes.ts'
import { type JobRoutesDependencies, registerJobRoutes } from './jobRoutes.ts'
import { type RewardRoutesDependencies, registerRewardRoutes } from './rewardRoutes.ts'

export interface HttpApiDependencies {
  store: Store
  /** The swarm's live state: this replica's own as the leader, the leader's last snapshot as a standby. */
  live: () => LiveView
  chainId: bigint
  masterSecret: string
  revoked: ReadonlySet<string>
  /** Ready when the coordinator serves: store writable, chain reachable, follower keeping up; else why not. */
  readiness: () => { ready: boolean; reasons: string[] }
  logger?: Logger | undefined
  /** What GET /metrics serves (registerCoordinatorMetrics); empty without it. */
  metrics?: Metrics | undefined
  /** Bounds of the HTTP edge; defaults in DEFAULT_HTTP_LIMITS. */
  limits?: Partial<HttpLimits> | undefined
  startedAt: number
  /** Epochs and rewards, when the coordinator keeps them. */
  rewards?: Omit<RewardRoutesDependencies, 'store' | 'epoch' | 'settler'> | undefined
  /** Sealed epochs (/v1), when the coordinator seals them. */
  epochs?: Omit<EpochRoutesDependencies, 'store' | 'epoch'> | undefined
  /** Proof of Swarm challenges (/v1/challenges), when the coordinator indexes a SwarmChallenge. */
  challenges?: ChallengeRoutesDependencies | undefined
  /** Blocks, transactions and Mailbox messages (/v1/blocks, /v1/transactions, /v1/messages), with a chain. */
  chain?: Omit<ChainRoutesDependencies, 'store'> | undefined
  /** Client jobs (/v1/jobs). */
  jobs?: Omit<JobRoutesDependencies, 'store' | 'masterSecret' | 'chainId'> | undefined
  /** The OpenAI-compatible gateway (/v1/chat/completions, /v1/models). */
  chat?: Omit<ChatRoutesDependencies, 'masterSecret'> | undefined
  /** The built explorer served at `/` (docs/explorer.md); default this package's `dist/explorer`. */
  explorerDir?: string | undefined
}

/** Bounds of the HTTP edge (docs/security.md). */
export interface HttpLimits {
  /** Requests per client IP and minute, all routes together. */
  perMinute: number
  /** POST /v1/verify per client IP and minute (each may read the chain once per epoch). */
  verifyPerMinute: number
  /** GET /v1/blocks per client IP and minute (each reads up to 100 blocks from the node). */
  blocksPerMinute: number
  maxConnections: number
  /** A socket with no traffic for this long is closed. */
  idleTimeoutMs: number
  /** A request must be complete (headers and body) within this. */
  requestTimeoutMs: number
  headersTimeoutMs: number
  keepAliveTimeoutMs: number
  bodyLimitBytes: number
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  perMinute: 1200,
  verifyPerMinute: 60,
  blocksPerMinute: 60,
  maxConnections: 1024,
  idleTimeoutMs: 30_000,
  requestTimeoutMs: 15_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  bodyLimitBytes: 1024 * 1024,
}

const ratio = (t: Tally | undefined) => (t === undefined || t.scored === 0 ? null : t.matched / t.scored)
const levelName = (level: number) => Level[level] ?? String(level)

/**
 * The coordinator's JSON API (documented in /openapi.json) and Prometheus metrics. Read-only; agent-private
 * data (session, in-flight limit, rejections, per-field accuracy, verdicts) needs that agent's own
 * credentials. Payout wallets are public: sealed bundles and settlement transactions name them.
 */
export function buildHttpApi(deps: HttpApiDependencies): FastifyInstance {
  const { store } = deps
  const live = () => deps.live()
  const accuracy = {
    total: () => live().accuracy().total(),
    agents: () => live().accuracy().agents(),
    levels: () => live().accuracy().levels(),
  }
  const limits = { ...DEFAULT_HTTP_LIMITS, ...deps.limits }
  const app = Fastify({
    logger: false,
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    bodyLimit: limits.bodyLimitBytes,
    routerOptions: { maxParamLength: 200 },
  })
  app.server.maxConnections = limits.maxConnections
  app.server.headersTimeout = limits.headersTimeoutMs
  // Every route is declared once in src/api: requests and responses are checked with its schemas and
  // /openapi.json is generated from them.
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  void app.register(swagger, {
    openapi: OPENAPI_INFO,
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  })
  void app.register(rateLimit, {
    global: true,
    max: limits.perMinute,
    timeWindow: 60_000,
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      code: 'RATE_LIMITED',
      message: `too many requests: at most ${context.max} a minute; retry in ${context.after}`,
    }),
  })
  // A query parameter given twice (?agent=a&agent=b) is refused once here, not by each route.
  app.addHook('preValidation', async (request, reply) => {
    const repeated = Object.entries((request.query ?? {}) as Record<string, unknown>).find(([, v]) =>
      Array.isArray(v),
    )
    if (repeated !== undefined)
      return reply
        .code(400)
        .send({ code: 'BAD_REQUEST', message: `the query parameter ${repeated[0]} is given more than once` })
  })
  const counters = () => live().counters()

  /** The agent id proven by the request's credentials, if any. */
  const caller = (request: FastifyRequest) => {
    const result = authenticateAgent({
      masterSecret: deps.masterSecret,
      revoked: deps.revoked,
      agentId: request.headers['x-apiary-agent-id'] as string | undefined,
      authorization: request.headers.authorization,
    })
    return result.ok ? result.agentId : undefined
  }
  const agentView = (row: {
    id: string
    payout_wallet: string
    level: number
    region: string
    agent_version: string
    registered_at: number
    last_seen_at: number
  }) => {
    const tally = accuracy.agents().get(row.id)
    return {
      id: row.id,
      level: levelName(row.level),
      region: row.region,
      version: row.agent_version,
      payoutWallet: row.payout_wallet,
      live: live().connected().has(row.id),
      registeredAt: new Date(row.registered_at).toISOString(),
      lastSeenAt: new Date(row.last_seen_at).toISOString(),
      scored: tally?.scored ?? 0,
      matched: tally?.matched ?? 0,
      accuracy: ratio(tally),
    }
  }
  const tallyView = (t: Tally) => ({
    scored: t.scored,
    matched: t.matched,
    accuracy: ratio(t),
    fields: Object.fromEntries(
      Object.entries(t.fields).map(([field, [agreed, compared]]) => [
        field,
        { agreed, compared, accuracy: agreed / compared },
      ]),
    ),
  })

  void app.register(async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>()
    registerExplorerRoutes(plain, deps.explorerDir)
    app.route({ ...swarm.healthz, handler: async () => ({ ok: true as const }) })
    app.route({
      ...swarm.readyz,
      handler: async (_request, reply) => {
        const readiness = deps.readiness()
        return readiness.ready ? readiness : reply.code(503).send(readiness)
      },
    })
    app.route({
      ...swarm.metrics,
      handler: async (_request, reply) =>
        reply
          .type('text/plain; version=0.0.4; charset=utf-8')
          .send(deps.metrics === undefined ? '' : await deps.metrics.text()),
    })
    app.route({
      ...swarm.openapi,
      handler: async () => plain.swagger() as unknown as Record<string, unknown>,
    })

    app.route({
      ...swarm.swarmStatus,
      handler: async () => {
        const agents = await store.agents.count()
        const c = counters()
        const f = live().follower()
        const { pending, history, canaries } = live().status()
        return {
          role: live().role,
          chainId: deps.chainId.toString(),
          chainHead: f?.head ?? null,
          followedBlock: f?.followed ?? null,
          witnessSource: f?.tracing ?? null,
          agents: { total: agents, live: live().connected().size },
          tasks: {
            dispatched: c.dispatched,
            answered: c.answered,
            rejected: c.rejected,
            scored: c.scored,
            matched: c.matched,
          },
          accuracy: ratio(accuracy.total()),
          preConfirmation:
            pending === undefined
              ? null
              : {
                  available: pending.available ?? null,
                  dispatched: pending.dispatched,
                  skipped: pending.skipped,
                  landed: pending.landed,
                  voided: pending.voided,
                  history: history ?? 0,
                  share:
                    pending.dispatched + (history ?? 0) === 0
                      ? null
                      : pending.dispatched / (pending.dispatched + (history ?? 0)),
                },
          canaries:
            canaries === undefined
              ? null
              : {
                  made: canaries.made,
                  unmade: canaries.unmade,
                  answersPassed: canaries.answersPassed,
                  answersFailed: canaries.answersFailed,
                },
          uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000),
        }
      },
    })

    app.route({
      ...swarm.swarmAgents,
      handler: async () => ({ agents: (await store.agents.list()).map(agentView) }),
    })

    app.route({
      ...swarm.swarmAgent,
      handler: async (request, reply) => {
        const row = await store.agents.get(request.params.id)
        if (row === undefined)
          return reply.code(404).send({ code: 'AGENT_UNKNOWN', message: `no agent ${request.params.id}` })
        const view = agentView(row)
        if (caller(request) !== row.id) return view
        const rejections = await store.agents.rejections(row.id)
        const tally = accuracy.agents().get(row.id)
        const canaries = await store.agents.canaries(row.id)
        return {
          ...view,
          session: row.session,
          maxInFlight: row.max_in_flight,
          rejections,
          fields: tally === undefined ? {} : tallyView(tally).fields,
          canaries,
          excluded:
            row.excluded_at === null
              ? null
              : { at: new Date(row.excluded_at).toISOString(), reason: row.excluded_reason },
        }
      },
    })

    app.route({
      ...swarm.swarmShadow,
      handler: async () => ({
        stateRoot: await Promise.all(
          (await store.agents.stateReports()).map(async ({ agentId, report }) => {
            const held = await store.chain.blockHash(report.block)
            return {
              agentId,
              block: report.block,
              blockHash: report.blockHash,
              stateRoot: report.stateRoot,
              onChain: held === undefined ? null : held.toLowerCase() === report.blockHash.toLowerCase(),
              error: report.error === '' ? null : report.error,
              errorBlock: report.error === '' ? null : report.errorBlock,
              applied: report.applied,
              refused: report.refused,
              reportedAt: new Date(report.at).toISOString(),
            }
          }),
        ),
        total: tallyView(accuracy.total()),
        levels: Object.fromEntries(
          [...accuracy.levels()]
            .sort(([a], [b]) => a - b)
            .map(([level, t]) => [levelName(level), tallyView(t)]),
        ),
      }),
    })

    const epoch = () => live().epoch()
    if (deps.rewards !== undefined)
      registerRewardRoutes(app, { store, ...deps.rewards, epoch, settler: () => live().settler() })
    if (deps.epochs !== undefined)
      registerEpochRoutes(app, { store, ...deps.epochs, epoch, verifyPerMinute: limits.verifyPerMinute })
    if (deps.challenges !== undefined) registerChallengeRoutes(app, deps.challenges)
    if (deps.chain !== undefined)
      registerChainRoutes(app, { store, ...deps.chain, blocksPerMinute: limits.blocksPerMinute })
    if (deps.jobs !== undefined)
      registerJobRoutes(app, {
        store,
        masterSecret: deps.masterSecret,
        chainId: Number(deps.chainId),
        ...deps.jobs,
      })
    if (deps.chat !== undefined) registerChatRoutes(app, { masterSecret: deps.masterSecret, ...deps.chat })

    app.route({
      ...swarm.swarmLeaderboard,
      handler: async () => {
        const board = (await store.agents.list())
          .map(agentView)
          .sort(
            (a, b) =>
              b.matched - a.matched || (b.accuracy ?? 0) - (a.accuracy ?? 0) || a.id.localeCompare(b.id),
          )
        return { leaderboard: board.map((agent, i) => ({ rank: i + 1, ...agent })) }
      },
    })

    app.route({
      ...swarm.swarmTask,
      handler: async (request, reply) => {
        const found = await store.work.task(request.params.id)
        if (found === undefined)
          return reply.code(404).send({ code: 'TASK_UNKNOWN', message: `no task ${request.params.id}` })
        const { task, result } = found
        const owner = caller(request) === task.agent_id
        return {
          taskId: task.task_id,
          agentId: task.agent_id,
          level: levelName(task.level),
          transaction: task.tx_hash,
          block: { number: task.block_number, hash: task.block_hash },
          assignedAt: new Date(task.assigned_at).toISOString(),
          deadline: new Date(task.deadline).toISOString(),
          inclusionState: task.state,
          answered: result !== undefined,
          score:
            result?.scored_at == null
              ? null
              : {
                  matched: result.matched === 1,
                  fields: split(result.scored_fields),
                  mismatches: split(result.mismatches),
                },
          ...(owner && result !== undefined ? { verdict: verdictView(result.result) } : {}),
        }
      },
    })
  })
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.slice(0, 200)}` }),
  )
  app.setErrorHandler((error: { statusCode?: number; code?: string; message: string }, request, reply) => {
    // Fastify's own refusals (bad JSON, body too large, wrong content type) are the caller's and say so.
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500)
      return reply.code(error.statusCode).send({
        code:
          error.statusCode === 429 ? 'RATE_LIMITED' : error.statusCode === 413 ? 'TOO_LARGE' : 'BAD_REQUEST',
        message: error.message,
      })
    const edge = edgeError(error)
    if (edge.http >= 500)
      deps.logger?.error({ err: error, requestId: request.id, url: request.url }, 'request failed')
    return reply.code(edge.http).send({ code: edge.code, message: edge.message, requestId: request.id })
  })
  return app
}

const split = (text: string | null) => (text === null || text === '' ? [] : text.split(','))

function verdictView(bytes: Uint8Array) {
  const r = fromBinary(TaskResultSchema, bytes)
  return {
    valid: r.valid,
    rejectCode: r.rejectCode || null,
    hash: toHex(r.txHash),
    sender: r.sender.length === 0 ? null : toHex(r.sender),
    status: r.status,
    gasUsed: `0x${r.gasUsed.toString(16)}`,
    logs: r.logs.length,
    stateChanges: r.stateChanges.length,
    latencyUs: r.latencyUs,
  }
}
