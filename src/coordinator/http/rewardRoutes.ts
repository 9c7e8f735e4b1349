import type { FastifyInstance } from 'fastify'
import { canaryCommitment } from '../../epoch/index.ts'
import type { EpochClock, Settler } from '../epochs/index.ts'
import type { EpochListing, Store } from '../store/index.ts'

export interface RewardRoutesDependencies {
  store: Store
  clock: EpochClock
  settler: Settler | undefined
  pool: string | undefined
  hotWallet: string | undefined
}

type EpochRow = EpochListing

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

const epochView = (row: EpochRow) => ({
  epoch: row.number,
  state: row.settlement,
  startedAt: iso(row.started_at),
  closedAt: iso(row.closed_at),
  startBlock: row.start_block,
  endBlock: row.end_block,
  rewardWei: row.reward_wei,
  delegateCutWei: row.delegate_cut_wei,
  depositWei: row.deposit_wei,
  totalWeight: row.total_weight,
  scored: row.scored,
  matched: row.matched,
  agentsPaid: row.paid,
  settlement:
    row.closed_at === null
      ? null
      : {
          txHash: row.tx_hash,
          block: row.settled_block,
          settledAt: iso(row.settled_at),
          attempts: row.attempts,
          lastError: row.last_error,
        },
})

/**
 * Epochs and rewards over HTTP: `/swarm/epoch` (the open one and the settlement state), `/swarm/epochs`
 * (history, newest first), `/swarm/epochs/:n` (one epoch with its leaderboard) and `/api/rewards?agent=ID`
 * (an agent's epochs and totals). Wei amounts are decimal strings.
 */
export function registerRewardRoutes(app: FastifyInstance, deps: RewardRoutesDependencies): void {
  const { store } = deps
  const leaderboard = async (epoch: number) =>
    (await store.epochs.board(epoch)).map((r) => ({
      rank: r.rank,
      agentId: r.agent_id,
      scored: r.scored,
      matched: r.matched,
      accuracyBps: r.accuracy_bps,
      bonus: r.bonus === 1,
      weight: r.weight,
      amountWei: r.amount_wei,
    }))

  app.get('/swarm/epoch', async () => {
    const open = deps.clock.current()
    const row = (await store.epochs.listed(open.number)) as EpochRow
    const settler = deps.settler?.status()
    const seed = await store.epochs.canarySeed(open.number)
    return {
      epoch: open.number,
      startedAt: iso(open.startedAt),
      closesAt: iso(open.closesAt ?? null),
      startBlock: open.startBlock ?? null,
      closesAtBlock: open.closesAtBlock ?? null,
      rewardWei: row.reward_wei,
      depositWei: row.deposit_wei,
      pool: deps.pool ?? null,
      hotWallet: deps.hotWallet ?? null,
      owedEpochs: settler?.owed ?? null,
      lastSettled: settler?.lastSettled ?? null,
      lastError: settler?.lastError ?? null,
      // sha256 of the seed its canaries are signed from, revealed in its bundle (docs/rewards.md#canaries).
      canaryCommitment: seed === null ? null : canaryCommitment(seed),
    }
  })

  app.get<{ Querystring: { before?: string; limit?: string } }>('/swarm/epochs', async (request, reply) => {
    const before = request.query.before === undefined ? Number.MAX_SAFE_INTEGER : Number(request.query.before)
    const limit = request.query.limit === undefined ? 50 : Number(request.query.limit)
    if (!Number.isSafeInteger(before) || !Number.isSafeInteger(limit) || limit < 1 || limit > 1000)
      return reply
        .code(400)
        .send({ code: 'BAD_REQUEST', message: 'before must be an integer and limit 1-1000' })
    return { pool: deps.pool ?? null, epochs: (await store.epochs.page(before, limit)).map(epochView) }
  })

  app.get<{ Params: { number: string } }>('/swarm/epochs/:number', async (request, reply) => {
    const number = Number(request.params.number)
    const row = Number.isSafeInteger(number) ? await store.epochs.listed(number) : undefined
    if (row === undefined)
      return reply.code(404).send({ code: 'EPOCH_UNKNOWN', message: `no epoch ${request.params.number}` })
    return { ...epochView(row), pool: deps.pool ?? null, leaderboard: await leaderboard(number) }
  })

  app.get<{ Querystring: { agent?: string } }>('/api/rewards', async (request, reply) => {
    const agentId = request.query.agent
    if (agentId === undefined || agentId === '')
      return reply.code(400).send({ code: 'BAD_REQUEST', message: 'give ?agent=ID' })
    const rows = await store.epochs.ofAgent(agentId)
    const sum = (states: string[]) =>
      rows.filter((r) => states.includes(r.settlement)).reduce((s, r) => s + BigInt(r.amount_wei), 0n)
    return {
      agentId,
      pool: deps.pool ?? null,
      totals: {
        epochs: rows.length,
        paidEpochs: rows.filter((r) => r.settlement === 'settled' && r.amount_wei !== '0').length,
        settledWei: sum(['settled']).toString(),
        owedWei: sum(['owed', 'sending']).toString(),
      },
      epochs: rows.map((r) => ({
        epoch: r.number,
        state: r.settlement,
        closedAt: iso(r.closed_at),
        scored: r.a_scored,
        matched: r.a_matched,
        accuracyBps: r.accuracy_bps,
        bonus: r.bonus === 1,
        weight: r.weight,
        rank: r.rank,
        agentsPaid: r.paid,
        amountWei: r.amount_wei,
        txHash: r.tx_hash,
      })),
    }
  })
}
