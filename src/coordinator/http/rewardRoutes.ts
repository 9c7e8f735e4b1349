import type { FastifyInstance } from 'fastify'
import type { Selectable } from 'kysely'
import { canaryCommitment } from '../../epoch/index.ts'
import type { EpochClock } from '../epochs/index.ts'
import type { Settler } from '../settlement/index.ts'
import type { EpochAgentsTable, EpochsTable, Store } from '../store/index.ts'

export interface RewardRoutesDependencies {
  store: Store
  clock: EpochClock
  settler: Settler | undefined
  pool: string | undefined
  hotWallet: string | undefined
}

/** An epochs row as selected below (without the signed transaction), with its count of agents paid. */
type EpochRow = Omit<Selectable<EpochsTable>, 'tx_nonce' | 'raw_tx' | 'canary_seed'> & { paid: number }

const EPOCH_COLUMNS = `e.number, e.started_at, e.start_block, e.closed_at, e.end_block, e.reward_wei, e.delegate_cut_wei,
  e.deposit_wei, e.total_weight, e.scored, e.matched, e.settlement, e.tx_hash, e.settled_block, e.settled_at,
  e.attempts, e.last_error,
  (SELECT COUNT(*) FROM epoch_agents x WHERE x.epoch = e.number AND x.weight != '0') AS paid`

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
  const { sqlite } = deps.store
  const sql = {
    epoch: sqlite.prepare<[number], EpochRow>(`SELECT ${EPOCH_COLUMNS} FROM epochs e WHERE e.number = ?`),
    seed: sqlite.prepare<[number], { canary_seed: string | null }>(
      'SELECT canary_seed FROM epochs WHERE number = ?',
    ),
    epochs: sqlite.prepare<[number, number], EpochRow>(
      `SELECT ${EPOCH_COLUMNS} FROM epochs e WHERE e.number < ? ORDER BY e.number DESC LIMIT ?`,
    ),
    board: sqlite.prepare<[number], Omit<EpochAgentsTable, 'epoch' | 'wallet'>>(
      `SELECT agent_id, scored, matched, accuracy_bps, bonus, weight, rank, amount_wei FROM epoch_agents
       WHERE epoch = ? ORDER BY rank = 0, rank, agent_id`,
    ),
    agent: sqlite.prepare<
      [string],
      EpochRow & {
        a_scored: number
        a_matched: number
        accuracy_bps: number
        bonus: number
        weight: string
        rank: number
        amount_wei: string
      }
    >(
      `SELECT ${EPOCH_COLUMNS}, a.scored AS a_scored, a.matched AS a_matched, a.accuracy_bps, a.bonus, a.weight,
         a.rank, a.amount_wei
       FROM epoch_agents a JOIN epochs e ON e.number = a.epoch WHERE a.agent_id = ? ORDER BY e.number DESC`,
    ),
  }
  const leaderboard = (epoch: number) =>
    sql.board.all(epoch).map((r) => ({
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
    const row = sql.epoch.get(open.number) as EpochRow
    const settler = deps.settler?.status()
    const seed = sql.seed.get(open.number)?.canary_seed ?? null
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
    return { pool: deps.pool ?? null, epochs: sql.epochs.all(before, limit).map(epochView) }
  })

  app.get<{ Params: { number: string } }>('/swarm/epochs/:number', async (request, reply) => {
    const number = Number(request.params.number)
    const row = Number.isSafeInteger(number) ? sql.epoch.get(number) : undefined
    if (row === undefined)
      return reply.code(404).send({ code: 'EPOCH_UNKNOWN', message: `no epoch ${request.params.number}` })
    return { ...epochView(row), pool: deps.pool ?? null, leaderboard: leaderboard(number) }
  })

  app.get<{ Querystring: { agent?: string } }>('/api/rewards', async (request, reply) => {
    const agentId = request.query.agent
    if (agentId === undefined || agentId === '')
      return reply.code(400).send({ code: 'BAD_REQUEST', message: 'give ?agent=ID' })
    const rows = sql.agent.all(agentId)
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
