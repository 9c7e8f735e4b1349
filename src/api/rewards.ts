import { z } from 'zod'
import { count, decimal, declareRoute, errors, isoTime, queryInt } from './common.ts'

export const EpochSettlement = z
  .strictObject({
    epoch: count,
    state: z
      .enum(['open', 'owed', 'sending', 'settled', 'skipped', 'carried'])
      .describe(
        '`carried`: nobody earned in it (nothing could be scored); its reward was added to the next epoch',
      ),
    startedAt: isoTime,
    closedAt: isoTime.nullable(),
    startBlock: count.nullable(),
    endBlock: count.nullable(),
    rewardWei: decimal,
    delegateCutWei: decimal,
    depositWei: decimal,
    totalWeight: decimal,
    scored: count,
    matched: count,
    agentsPaid: count,
    settlement: z
      .strictObject({
        txHash: z.string().nullable(),
        block: count.nullable(),
        settledAt: isoTime.nullable(),
        attempts: count,
        lastError: z.string().nullable(),
      })
      .nullable()
      .describe('null while the epoch is open'),
  })
  .meta({ id: 'EpochSettlement' })

export const BoardEntry = z.strictObject({
  rank: count.describe('0 for agents of weight 0'),
  agentId: z.string(),
  scored: count,
  matched: count,
  accuracyBps: count,
  bonus: z.boolean(),
  weight: decimal,
  amountWei: decimal,
})

export const OpenEpoch = z.strictObject({
  epoch: count,
  startedAt: isoTime,
  closesAt: isoTime.nullable(),
  startBlock: count.nullable(),
  closesAtBlock: count.nullable(),
  rewardWei: decimal,
  depositWei: decimal,
  pool: z.string().nullable(),
  hotWallet: z.string().nullable(),
  owedEpochs: count.nullable(),
  lastSettled: z
    .strictObject({ epoch: count, txHash: z.string(), block: count })
    .nullable()
    .describe('The last settlement transaction mined'),
  lastError: z.string().nullable(),
  canaryCommitment: z
    .string()
    .nullable()
    .describe(
      'sha256 of the seed its canaries are signed from, revealed in its bundle (docs/rewards.md#canaries)',
    ),
})

export const AgentRewards = z.strictObject({
  agentId: z.string(),
  pool: z.string().nullable(),
  totals: z.strictObject({ epochs: count, paidEpochs: count, settledWei: decimal, owedWei: decimal }),
  epochs: z.array(
    z.strictObject({
      epoch: count,
      state: z.string(),
      closedAt: isoTime.nullable(),
      scored: count,
      matched: count,
      accuracyBps: count,
      bonus: z.boolean(),
      weight: decimal,
      rank: count,
      agentsPaid: count,
      amountWei: decimal,
      txHash: z.string().nullable(),
    }),
  ),
})

/** `?before=N&limit=` of the epoch listings. */
export const epochPage = z.object({
  before: queryInt(0, Number.MAX_SAFE_INTEGER).optional().describe('Epochs numbered below this'),
  limit: queryInt(1, 1000).default(50),
})

export const swarmEpoch = declareRoute({
  method: 'GET',
  url: '/swarm/epoch',
  operationId: 'getOpenEpochRewards',
  summary:
    'The open epoch (when it closes, by time or block), the reward pool, the hot wallet, epochs owed, the last settlement and its canary commitment',
  tags: ['rewards'],
  response: { 200: OpenEpoch, 503: errors[503].describe('NO_LEADER: no replica has led yet') },
})

export const swarmEpochs = declareRoute({
  method: 'GET',
  url: '/swarm/epochs',
  operationId: 'listEpochSettlements',
  summary: 'Epoch history, newest first, with each settlement transaction',
  tags: ['rewards'],
  querystring: epochPage,
  response: {
    200: z.strictObject({ pool: z.string().nullable(), epochs: z.array(EpochSettlement) }),
    400: errors[400],
  },
})

export const swarmEpochByNumber = declareRoute({
  method: 'GET',
  url: '/swarm/epochs/:number',
  operationId: 'getEpochSettlement',
  summary: "One epoch with its leaderboard: each agent's work, weight, rank and amount",
  tags: ['rewards'],
  params: z.object({ number: queryInt(0, Number.MAX_SAFE_INTEGER) }),
  response: {
    200: EpochSettlement.extend({ pool: z.string().nullable(), leaderboard: z.array(BoardEntry) }),
    400: errors[400],
    404: errors[404],
  },
})

export const rewardsOfAgent = declareRoute({
  method: 'GET',
  url: '/api/rewards',
  operationId: 'getAgentRewards',
  summary:
    "An agent's rewards per epoch and in total (settled: what the pool credited; owed: closed, not yet settled)",
  tags: ['rewards'],
  querystring: z.object({ agent: z.string().min(1).max(200) }),
  response: { 200: AgentRewards, 400: errors[400] },
})
