import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { NO_LEADER, rewards } from '../../api/index.ts'
import { canaryCommitment } from '../../epoch/index.ts'
import type { OpenEpoch, SettlerStatus } from '../epochs/index.ts'
import type { EpochListing, Store } from '../store/index.ts'

export interface RewardRoutesDependencies {
  store: Store
  /** The open epoch and the settler's state: the leader's own, or what it last published. */
  epoch: () => OpenEpoch | undefined
  settler: () => SettlerStatus | undefined
  pool: string | undefined
  hotWallet: string | undefined
}

type EpochRow = EpochListing

function iso(ms: number): string
function iso(ms: number | null): string | null
function iso(ms: number | null) {
  return ms === null ? null : new Date(ms).toISOString()
}

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
export function registerRewardRoutes(plain: FastifyInstance, deps: RewardRoutesDependencies): void {
  const app = plain.withTypeProvider<ZodTypeProvider>()
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

  app.route({
    ...rewards.swarmEpoch,
    handler: async (_request, reply) => {
      const open = deps.epoch()
      if (open === undefined) return reply.code(503).send(NO_LEADER)
      const row = (await store.epochs.listed(open.number)) as EpochRow
      const settler = deps.settler()
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
    },
  })

  app.route({
    ...rewards.swarmEpochs,
    handler: async (request) => {
      const { before = Number.MAX_SAFE_INTEGER, limit } = request.query
      return { pool: deps.pool ?? null, epochs: (await store.epochs.page(before, limit)).map(epochView) }
    },
  })

  app.route({
    ...rewards.swarmEpochByNumber,
    handler: async (request, reply) => {
      const { number } = request.params
      const row = await store.epochs.listed(number)
      if (row === undefined)
        return reply.code(404).send({ code: 'EPOCH_UNKNOWN', message: `no epoch ${number}` })
      return { ...epochView(row), pool: deps.pool ?? null, leaderboard: await leaderboard(number) }
    },
  })

  app.route({
    ...rewards.rewardsOfAgent,
    handler: async (request) => {
      const agentId = request.query.agent
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
    },
  })
}
