import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { jobs as api } from '../../api/index.ts'
import { buildChargeTree, type ChargeTree } from '../../epoch/index.ts'
import { authenticateClient, createSignIn } from '../identity/index.ts'
import type { JobBoard, JobPrices } from '../jobs/index.ts'
import type { JobChargeRow, JobRow, Store } from '../store/index.ts'

export interface JobRoutesDependencies {
  store: Store
  masterSecret: string
  revokedClients: ReadonlySet<string>
  /** The job board while this replica leads; undefined on a standby (writes answer 503 NOT_LEADER). */
  board: () => JobBoard | undefined
  /** The JobEscrow; undefined: jobs are not enabled. */
  escrow: `0x${string}` | undefined
  prices: JobPrices
  /** The followed chain: SIWE messages must name it. */
  chainId: number
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

/** A job as the API shows it, with its agents' answers. */
async function jobView(store: Store, row: JobRow) {
  const results = await store.jobs.results(row.id)
  const open = row.state === 'queued' || row.state === 'running'
  return {
    id: row.id,
    client: row.client,
    type: row.type,
    asset: row.asset,
    state: row.state,
    maxFee: row.max_fee,
    reserved: open ? row.max_fee : row.state === 'completed' ? (row.fee ?? '0') : '0',
    fee: row.fee,
    epoch: row.epoch,
    createdAt: iso(row.created_at) as string,
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    expiresAt: iso(row.expires_at) as string,
    rounds: row.rounds,
    agents: results.map((r) => ({
      agentId: r.agent_id,
      outputSha256: r.output_sha256,
      executionMs: r.execution_ms,
      matched: r.matched === null ? null : r.matched === 1,
    })),
    output: row.state === 'completed' && row.output !== null ? (JSON.parse(row.output) as unknown) : null,
    outputSha256: row.output_sha256,
    error: row.error,
  }
}

const NOT_LEADER = {
  code: 'NOT_LEADER',
  message: 'this replica does not lead: send job writes to the leader',
}
const NOT_FOUND = { code: 'NOT_FOUND', message: 'no such job of this client' }

/**
 * Client jobs under /v1/jobs (docs/spec/jobs.md). Every call but the price list needs the client's own
 * key; a client sees only its own jobs (another's answers 404, its existence undisclosed).
 */
export function registerJobRoutes(plain: FastifyInstance, deps: JobRoutesDependencies): void {
  const app = plain.withTypeProvider<ZodTypeProvider>()
  const { store } = deps
  /** The authenticated client, or the 401/403 already sent. */
  const clientOf = (request: FastifyRequest, reply: FastifyReply) => {
    const result = authenticateClient({
      masterSecret: deps.masterSecret,
      revoked: deps.revokedClients,
      client: request.headers['x-apiary-client'] as string | undefined,
      authorization: request.headers.authorization,
    })
    if (result.ok) return result.client
    void reply
      .code(result.code === 'REVOKED' ? 403 : 401)
      .send({ code: result.code, message: result.message })
    return undefined
  }

  app.route({
    ...api.prices,
    handler: async () => ({
      escrow: deps.escrow ?? null,
      prices: Object.entries(deps.prices).flatMap(([type, byAsset]) =>
        Object.entries(byAsset as Record<string, bigint>).map(([asset, amount]) => ({
          type,
          asset: asset as 'coin' | 'token',
          unit: 'transaction' as const,
          amount: amount.toString(),
        })),
      ),
    }),
  })

  // Sign-In with Ethereum: a wallet gets its own API key by signing (EIP-4361). Both calls are
  // unauthenticated: rate-limited per IP, a nonce costs an HMAC, a sign-in at most one signature recovery.
  const signIn = createSignIn({
    masterSecret: deps.masterSecret,
    chainId: deps.chainId,
    revoked: deps.revokedClients,
  })
  const signInLimit = { config: { rateLimit: { max: 30, timeWindow: 60_000 } } }
  app.route({
    ...api.signInNonce,
    ...signInLimit,
    handler: async () => {
      const { nonce, expiresAt } = signIn.nonce()
      return { nonce, chainId: deps.chainId, expiresAt: new Date(expiresAt).toISOString() }
    },
  })
  app.route({
    ...api.signIn,
    ...signInLimit,
    bodyLimit: 4096,
    handler: async (request, reply) => {
      const result = await signIn.signIn({
        message: request.body.message,
        signature: request.body.signature as `0x${string}`,
        domain: request.headers.host ?? '',
      })
      if (result.ok) return { client: result.client, apiKey: result.apiKey }
      const status = result.code === 'SIWE_INVALID' ? 400 : result.code === 'REVOKED' ? 403 : 401
      return reply.code(status).send({ code: result.code, message: result.message })
    },
  })

  /**
   * Each closed epoch's charge trees, built once: an epoch's charges are written in one transaction when it
   * closes and never change, so a public request does not rebuild a tree over every client (16 kept).
   */
  const built = new Map<number, Map<'coin' | 'token', ChargeTree>>()
  const treesOf = (epoch: number, rows: JobChargeRow[]) => {
    const known = built.get(epoch)
    if (known !== undefined) return known
    const trees = new Map(
      (['coin', 'token'] as const).map((asset) => [
        asset,
        buildChargeTree(
          rows
            .filter((r) => r.asset === asset)
            .map((r) => ({ client: r.client, asset, amount: BigInt(r.amount) })),
        ),
      ]),
    )
    if (rows.length > 0) {
      built.set(epoch, trees)
      if (built.size > 16) built.delete(built.keys().next().value as number)
    }
    return trees
  }

  app.route({
    ...api.charges,
    handler: async (request) => {
      const epoch = request.params.id
      const [batches, rows] = await Promise.all([store.jobs.batches(epoch), store.jobs.charges(epoch)])
      const trees = treesOf(epoch, rows)
      const client = request.query.client?.toLowerCase()
      return {
        epoch,
        escrow: deps.escrow ?? null,
        batches: batches.map((b) => ({
          asset: b.asset,
          root: b.root,
          total: b.total,
          clients: b.clients,
          state: b.state,
          txHash: b.tx_hash,
        })),
        charges: rows
          .filter((r) => client === undefined || r.client === client)
          .map((r) => ({
            client: r.client,
            asset: r.asset,
            amount: r.amount,
            jobs: r.jobs,
            proof: BigInt(r.amount) > 0n ? (trees.get(r.asset)?.proof(r.client) ?? []) : [],
          })),
      }
    },
  })

  app.route({
    ...api.submit,
    bodyLimit: 256 * 1024,
    handler: async (request, reply) => {
      const client = clientOf(request, reply)
      if (client === undefined) return reply
      if (deps.escrow === undefined)
        return reply
          .code(503)
          .send({ code: 'JOBS_DISABLED', message: 'this coordinator has no job escrow (--job-escrow)' })
      const board = deps.board()
      if (board === undefined) return reply.code(503).send(NOT_LEADER)
      const outcome = await board.submit(client, request.body)
      if (!outcome.ok) return reply.code(outcome.status).send(outcome.body as never)
      return reply.code(202).send(await jobView(store, outcome.job))
    },
  })

  app.route({
    ...api.get,
    handler: async (request, reply) => {
      const client = clientOf(request, reply)
      if (client === undefined) return reply
      const row = await store.jobs.get(request.params.id)
      if (row === undefined || row.client !== client) return reply.code(404).send(NOT_FOUND)
      return jobView(store, row)
    },
  })

  app.route({
    ...api.cancel,
    handler: async (request, reply) => {
      const client = clientOf(request, reply)
      if (client === undefined) return reply
      const board = deps.board()
      if (board === undefined) return reply.code(503).send(NOT_LEADER)
      const outcome = await board.cancel(client, request.params.id)
      if (outcome === 'not-found') return reply.code(404).send(NOT_FOUND)
      if (outcome === 'finished')
        return reply.code(409).send({
          code: 'JOB_FINISHED',
          message: 'the job is already completed, failed, canceled or expired',
        })
      return jobView(store, outcome)
    },
  })

  app.route({
    ...api.list,
    handler: async (request, reply) => {
      const client = clientOf(request, reply)
      if (client === undefined) return reply
      if (request.query.client.toLowerCase() !== client)
        return reply.code(401).send({ code: 'UNAUTHENTICATED', message: 'a client lists only its own jobs' })
      const { before, limit } = request.query
      const rows = await store.jobs.list(client, { before, limit })
      return {
        jobs: await Promise.all(rows.map((row) => jobView(store, row))),
        next: rows.length === limit ? (rows.at(-1)?.created_at ?? null) : null,
      }
    },
  })
}
