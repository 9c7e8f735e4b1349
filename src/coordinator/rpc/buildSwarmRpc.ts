import { Code, ConnectError, type HandlerContext } from '@connectrpc/connect'
import { connectNodeAdapter } from '@connectrpc/connect-node'
import { Level, SwarmService } from '../../gen/apiary/v1/swarm_pb.js'
import { edgeError } from '../../internal/errors.ts'
import type { Logger } from '../../internal/logger.ts'
import { bigIntToBytes, fromHex, toHex } from '../../validation/index.ts'
import type { Payout } from '../epochs/index.ts'
import { authenticateAgent, verifyWalletBinding } from '../identity/index.ts'
import type { ChatGateway } from '../jobs/index.ts'
import type { Store } from '../store/index.ts'
import type { TaskHub } from '../work/index.ts'
import { streamStateDiffs } from './streamStateDiffs.ts'

export interface SwarmRpcDependencies {
  store: Store
  hub: TaskHub
  logger: Logger
  masterSecret: string
  chainId: bigint
  /** Agent ids refused even with a valid key. */
  revoked?: ReadonlySet<string>
  heartbeatIntervalMs?: number
  /** The agent's latest settled payout and the pool that holds it, for heartbeats. */
  payout?: ((agentId: string) => Promise<Payout | undefined>) | undefined
  pool?: string | undefined
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number
  /** Largest request message in bytes (default 8 MiB). */
  readMaxBytes?: number
  /** The OpenAI-compatible gateway: agents' model offers and the chunks they stream. */
  chat?: ChatGateway | undefined
  /** The follower keeps state diffs: L4 agents are served (StreamStateDiffs, L4 tasks). */
  stateDiffs?: boolean | undefined
}

const MAX_MODELS = 32
const BACKENDS = new Set(['openai', 'anthropic', 'gemini'])

/** Most results in one SubmitResults call (agents send at most 512). */
export const MAX_RESULTS_PER_CALL = 512
/** Most tasks an agent may hold at once: bounds what one agent can make the coordinator store unscored. */
export const MAX_IN_FLIGHT = 1024

/**
 * The coordinator's gRPC handler (binary protobuf over gRPC/HTTP2, docs/spec/protocol.md). The caller
 * mounts it on an HTTP/2 server. Identity comes from the credential on every call; tasks and results go
 * through the task hub.
 */
export function buildSwarmRpc(deps: SwarmRpcDependencies) {
  const { store, hub, logger, masterSecret, chainId } = deps
  const revoked = deps.revoked ?? new Set<string>()
  const now = deps.now ?? Date.now
  const heartbeatIntervalMs = deps.heartbeatIntervalMs ?? 5000
  const served = new Set([Level.L1, Level.L2, Level.L3, ...(deps.stateDiffs === true ? [Level.L4] : [])])

  const authenticate = (context: HandlerContext): string => {
    const result = authenticateAgent({
      masterSecret,
      revoked,
      agentId: context.requestHeader.get('x-apiary-agent-id') ?? undefined,
      authorization: context.requestHeader.get('authorization') ?? undefined,
    })
    if (!result.ok)
      throw new ConnectError(
        result.message,
        result.code === 'REVOKED' ? Code.PermissionDenied : Code.Unauthenticated,
      )
    return result.agentId
  }
  const invalid = (message: string) => new ConnectError(message, Code.InvalidArgument)
  /** Agents registered without validation among their job types: only pushed tasks (chats) reach them. */
  const chatOnly = new Set<string>()

  return connectNodeAdapter({
    grpc: true,
    grpcWeb: false,
    connect: false,
    // Agents never compress: a compressed request is refused before anything is inflated.
    acceptCompression: [],
    // Every other failure leaves through the one error table (edgeError): a status the agent can act on,
    // never internals.
    interceptors: [
      (next) => async (request) => {
        try {
          return await next(request)
        } catch (error) {
          if (error instanceof ConnectError) throw error
          const edge = edgeError(error)
          if (edge.grpc === Code.Internal)
            logger.error({ err: error, method: request.method.name }, 'call failed')
          throw new ConnectError(edge.message, edge.grpc as Code)
        }
      },
    ],
    readMaxBytes: deps.readMaxBytes ?? 8 * 1024 * 1024,
    routes(router) {
      router.service(SwarmService, {
        async register(request, context) {
          const agentId = authenticate(context)
          if (!served.has(request.level))
            throw invalid(
              deps.stateDiffs === true
                ? 'level must be L1, L2, L3 or L4'
                : 'level must be L1, L2 or L3 (this coordinator keeps no state diffs for L4)',
            )
          if (request.region.length > 32) throw invalid('region is longer than 32 characters')
          if (request.maxInFlight < 1 || request.maxInFlight > MAX_IN_FLIGHT)
            throw invalid(`max_in_flight must be 1-${MAX_IN_FLIGHT}`)
          if (request.payoutWallet.length !== 20) throw invalid('payout_wallet must be 20 bytes')
          if (request.walletSignature.length !== 65) throw invalid('wallet_signature must be 65 bytes')
          const wallet = `0x${Buffer.from(request.payoutWallet).toString('hex')}`
          const binding = await verifyWalletBinding({
            agentId,
            wallet,
            chainId,
            signedAt: request.signedAt,
            signature: `0x${Buffer.from(request.walletSignature).toString('hex')}`,
            now: BigInt(Math.floor(now() / 1000)),
          })
          if (!binding.ok)
            throw new ConnectError(
              `the wallet binding is not valid (${binding.reason})`,
              Code.PermissionDenied,
            )
          const models = request.capabilities?.models ?? []
          if (models.length > MAX_MODELS) throw invalid(`at most ${MAX_MODELS} models`)
          for (const m of models)
            if (
              m.name.length < 1 ||
              m.name.length > 128 ||
              !/^([0-9a-f]{64})?$/.test(m.sha256) ||
              !BACKENDS.has(m.backend)
            )
              throw invalid(
                'a model needs a name of 1-128 characters, a sha256 of 64 hex digits or none, and a backend openai, anthropic or gemini',
              )
          const at = now()
          const session = await store.agents.register(
            agentId,
            {
              level: request.level,
              region: request.region,
              maxInFlight: request.maxInFlight,
              payoutWallet: wallet,
              agentVersion: request.agentVersion.slice(0, 64),
            },
            at,
          )
          deps.chat?.offer(agentId, models)
          const types = request.capabilities?.jobTypes
          if (types !== undefined && types.length > 0 && !types.includes('validation')) chatOnly.add(agentId)
          else chatOnly.delete(agentId)
          logger.info(
            { agentId, session, level: Level[request.level], wallet, models: models.map((m) => m.name) },
            'agent registered',
          )
          return { agentId, chainId, heartbeatIntervalMs, session: BigInt(session) }
        },

        async heartbeat(request, context) {
          const agentId = authenticate(context)
          // The time since the agent's last sign of life counts as uptime of the open epoch, up to two
          // heartbeat intervals (a longer gap means it was away).
          const current = await store.agents.heartbeat(
            agentId,
            Number(request.session),
            now(),
            heartbeatIntervalMs * 2,
          )
          const report = request.state
          if (current && report !== undefined)
            await store.agents.reportState(agentId, {
              block: Number(report.blockNumber),
              blockHash: toHex(report.blockHash),
              stateRoot: toHex(report.stateRoot),
              error: report.error.slice(0, 64),
              errorBlock: Number(report.errorBlock),
              applied: Number(report.applied),
              refused: Number(report.refused),
              at: now(),
            })
          const payout = await deps.payout?.(agentId)
          return {
            reregister: !current,
            chainId,
            lastPayout:
              payout === undefined
                ? undefined
                : {
                    epoch: BigInt(payout.epoch),
                    amount: bigIntToBytes(payout.amountWei),
                    rank: payout.rank,
                    agentsPaid: payout.agentsPaid,
                    txHash: fromHex(payout.txHash) ?? new Uint8Array(),
                    pool: fromHex(deps.pool ?? '') ?? new Uint8Array(),
                  },
          }
        },

        async *streamTasks(request, context) {
          const agentId = authenticate(context)
          const agent = await store.agents.get(agentId)
          if (agent === undefined || BigInt(agent.session) !== request.session)
            throw new ConnectError('the session is stale: call Register again', Code.FailedPrecondition)
          const excluded = () =>
            new ConnectError(
              `this agent is excluded: ${agent.excluded_reason ?? 'canary failures'}`,
              Code.PermissionDenied,
            )
          if (agent.excluded_reason !== null || hub.excluded(agentId)) throw excluded()
          logger.info({ agentId, session: agent.session }, 'task stream opened')
          try {
            for await (const tasks of hub.stream(
              agentId,
              {
                level: agent.level,
                maxInFlight: agent.max_in_flight,
                region: agent.region,
                dispatch: !chatOnly.has(agentId),
              },
              context.signal,
            ))
              yield { tasks }
            if (hub.excluded(agentId)) throw excluded()
          } finally {
            logger.info({ agentId }, 'task stream closed')
          }
        },

        async submitResults(request, context) {
          const agentId = authenticate(context)
          if (request.results.length > MAX_RESULTS_PER_CALL)
            throw invalid(`at most ${MAX_RESULTS_PER_CALL} results per call`)
          return { acks: await hub.submit(agentId, request.results) }
        },

        async streamJobOutput(requests, context) {
          const agentId = authenticate(context)
          const chat = deps.chat
          if (chat === undefined)
            throw new ConnectError('this coordinator takes no chats', Code.FailedPrecondition)
          let accepted = 0
          for await (const chunk of requests) {
            const outcome = chat.chunk(agentId, chunk)
            if (outcome !== 'ok') return { accepted, rejectCode: outcome }
            accepted++
          }
          return { accepted, rejectCode: '' }
        },

        async *streamStateDiffs(request, context) {
          authenticate(context)
          if (deps.stateDiffs !== true)
            throw new ConnectError(
              'this coordinator keeps no state diffs (apiary coordinator --state-diffs)',
              Code.FailedPrecondition,
            )
          if (request.parentHash.length !== 32) throw invalid('parent_hash must be 32 bytes')
          yield* streamStateDiffs(store, request, context.signal)
        },
      })
    },
  })
}
