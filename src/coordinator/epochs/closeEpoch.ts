import { randomBytes } from 'node:crypto'
import {
  type AgentEpochWork,
  type AgentWeight,
  canarySkipsDeliberate,
  computeWeights,
  splitDeposit,
  taskKindOf,
  taskPoints,
  type WeightParameters,
} from '../../epoch/index.ts'
import type { Store } from '../store/index.ts'

export interface EpochRewardParameters extends WeightParameters {
  /** Wei paid for one epoch, before the delegate's cut. */
  rewardWei: bigint
  /** The delegate's cut of the reward, in basis points; default 1000 (10 %). */
  delegateCutBps: number
}

export interface CloseEpochParameters {
  params: EpochRewardParameters
  /** The close time (ms): results scored before it belong to the closing epoch, later ones to the next. */
  now: number
  /** The chain's followed block at close, if any. */
  block?: number | undefined
}

export interface CloseEpochReturnType {
  epoch: number
  agents: AgentWeight[]
  totalWeight: bigint
  depositWei: bigint
  settlement: 'owed' | 'skipped' | 'carried'
  /** The reward this epoch passed on to the next one, because nobody earned in it (0 otherwise). */
  carriedWei: bigint
}

/** The delegate's cut and the deposit of one epoch's reward, in integer wei. */
export function rewardSplit(rewardWei: bigint, delegateCutBps: number): { cut: bigint; deposit: bigint } {
  const cut = (rewardWei * BigInt(delegateCutBps)) / 10_000n
  return { cut, deposit: rewardWei - cut }
}

/** Opens epoch 1 when the store has no epoch yet; returns the open epoch's number. */
export function openEpoch(store: Store, { params, now, block }: CloseEpochParameters): number {
  const open = store.sqlite
    .prepare<[], { number: number }>('SELECT number FROM epochs WHERE closed_at IS NULL')
    .get()
  if (open !== undefined) return open.number
  const last = store.sqlite.prepare<[], { n: number | null }>('SELECT MAX(number) AS n FROM epochs').get()
  const number = (last?.n ?? 0) + 1
  insertEpoch(store, number, params, now, block)
  return number
}

/**
 * Closes the open epoch and opens the next, in one SQLite transaction (a crash leaves either both or
 * neither): every agent's results scored during the epoch become its weight (computeWeights), fixed in
 * `epoch_agents` with the amount the deposit gives it, and the epoch's settlement becomes `owed`.
 * An epoch in which nobody earned (the node was down, the coordinator swamped or restarting: nothing could
 * be scored) loses nothing: it becomes `carried` and its whole reward is added to the next epoch's, so the
 * agents paid for the work scored after the outage get it; results are paid in the epoch they are scored in,
 * however late. An epoch whose reward is 0 is `skipped`.
 */
export function closeEpoch(store: Store, { params, now, block }: CloseEpochParameters): CloseEpochReturnType {
  const { sqlite } = store
  return sqlite.transaction(() => {
    const number = openEpoch(store, { params, now, block })
    const epoch = sqlite
      .prepare<[number], { started_at: number; deposit_wei: string; reward_wei: string }>(
        'SELECT started_at, deposit_wei, reward_wei FROM epochs WHERE number = ?',
      )
      .get(number) as { started_at: number; deposit_wei: string; reward_wei: string }
    // Results by agent and kind of work; points follow from the kind, the level, the match and whether the
    // answer was committed before its truth (taskPoints).
    const groups = sqlite
      .prepare<
        [number, number, number],
        {
          agent_id: string
          wallet: string
          source: string
          level: number
          matched: number
          early: number
          invalid: number
          revealed: number
          n: number
        }
      >(
        `SELECT r.agent_id, a.payout_wallet AS wallet, i.source, r.level, r.matched,
                (i.absent_at IS NOT NULL AND r.received_at <= i.absent_at) AS early,
                (i.source = 'canary' AND json_extract(i.truth, '$.valid') = 0) AS invalid,
                (i.source != 'canary' OR json_extract(i.canary, '$.epoch') IS ?) AS revealed, COUNT(*) AS n
         FROM results r JOIN agents a ON a.id = r.agent_id JOIN inclusions i ON i.key = r.inclusion
         WHERE r.scored_at >= ? AND r.scored_at < ? GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 ORDER BY 1`,
      )
      .all(number, epoch.started_at, now)
    // Assignments whose deadline passed in the epoch, answered or not: skipped canaries are judged against
    // the agent's own expiry rate (canarySkipsDeliberate).
    const expiries = new Map(
      sqlite
        .prepare<
          [number, number, number],
          { agent_id: string; canaries: number; canariesSkipped: number; tasks: number; tasksSkipped: number }
        >(
          `SELECT a.agent_id, SUM(i.source = 'canary') AS canaries,
                  SUM(i.source = 'canary' AND r.task_id IS NULL) AS canariesSkipped,
                  SUM(i.source != 'canary') AS tasks, SUM(i.source != 'canary' AND r.task_id IS NULL) AS tasksSkipped
           FROM assignments a JOIN inclusions i ON i.key = a.inclusion LEFT JOIN results r ON r.task_id = a.task_id
           WHERE a.assigned_at >= ? AND a.assigned_at < ? AND a.deadline < ? GROUP BY a.agent_id`,
        )
        .all(epoch.started_at, now, now)
        .map((row) => [row.agent_id, row]),
    )
    const work = new Map<string, AgentEpochWork & { canariesPassed: number; canariesSkipped: number }>()
    for (const g of groups) {
      const w = work.get(g.agent_id) ?? {
        agentId: g.agent_id,
        wallet: g.wallet,
        scored: 0,
        matched: 0,
        points: 0n,
        canariesFailed: 0,
        canariesPassed: 0,
        canariesSkipped: 0,
      }
      work.set(g.agent_id, w)
      const kind = taskKindOf(g.source)
      const matched = g.matched === 1
      w.scored += g.n
      if (matched) w.matched += g.n
      // A canary of another epoch's seed (answered after its epoch closed, or made before the first
      // epoch) is not revealed in this epoch's bundle: it neither earns nor fails.
      if (g.revealed === 0) continue
      if (kind === 'canary') {
        if (matched) w.canariesPassed += g.n
        else w.canariesFailed += g.n
      }
      w.points += BigInt(
        taskPoints({ kind, level: g.level, matched, early: g.early === 1, invalid: g.invalid === 1 }) * g.n,
      )
    }
    const excluded = new Set(
      sqlite
        .prepare<[number], { id: string }>(
          'SELECT id FROM agents WHERE excluded_at IS NOT NULL AND excluded_at < ?',
        )
        .all(now)
        .map((row) => row.id),
    )
    for (const w of work.values()) {
      w.excluded = excluded.has(w.agentId)
      const x = expiries.get(w.agentId)
      if (x !== undefined && canarySkipsDeliberate(x)) {
        w.canariesSkipped = x.canariesSkipped
        w.canariesFailed += x.canariesSkipped
      }
    }
    const agents = computeWeights([...work.values()], params)
    const totalWeight = agents.reduce((sum, a) => sum + a.weight, 0n)
    const depositWei = BigInt(epoch.deposit_wei)
    const insert = sqlite.prepare(
      `INSERT INTO epoch_agents (epoch, agent_id, wallet, scored, matched, accuracy_bps, bonus, weight, rank, amount_wei, points, canaries_passed, canaries_failed, canaries_skipped)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    const { credits } = splitDeposit({
      weights: new Map(agents.map((a) => [a.agentId, a.weight])),
      amount: depositWei,
    })
    for (const a of agents) {
      const amount = credits.get(a.agentId) ?? 0n
      insert.run(
        number,
        a.agentId,
        a.wallet,
        a.scored,
        a.matched,
        a.accuracyBps,
        a.bonus ? 1 : 0,
        a.weight.toString(),
        a.rank,
        amount.toString(),
        a.points.toString(),
        work.get(a.agentId)?.canariesPassed ?? 0,
        a.canariesFailed,
        work.get(a.agentId)?.canariesSkipped ?? 0,
      )
    }
    const rewardWei = BigInt(epoch.reward_wei)
    const settlement: CloseEpochReturnType['settlement'] =
      depositWei === 0n ? 'skipped' : totalWeight === 0n ? 'carried' : 'owed'
    const carriedWei = settlement === 'carried' ? rewardWei : 0n
    sqlite
      .prepare(
        'UPDATE epochs SET closed_at = ?, end_block = ?, total_weight = ?, scored = ?, matched = ?, settlement = ? WHERE number = ?',
      )
      .run(
        now,
        block ?? null,
        totalWeight.toString(),
        agents.reduce((s, a) => s + a.scored, 0),
        agents.reduce((s, a) => s + a.matched, 0),
        settlement,
        number,
      )
    insertEpoch(store, number + 1, params, now, block === undefined ? undefined : block + 1, carriedWei)
    return { epoch: number, agents, totalWeight, depositWei, settlement, carriedWei }
  })()
}

function insertEpoch(
  store: Store,
  number: number,
  params: EpochRewardParameters,
  now: number,
  block: number | undefined,
  carriedWei = 0n,
) {
  const rewardWei = params.rewardWei + carriedWei
  const canarySeed = `0x${randomBytes(32).toString('hex')}`
  const { cut, deposit } = rewardSplit(rewardWei, params.delegateCutBps)
  store.sqlite
    .prepare(
      'INSERT INTO epochs (number, started_at, start_block, reward_wei, delegate_cut_wei, deposit_wei, canary_seed) VALUES (?, ?, ?, ?, ?, ?, ?)',
    )
    .run(number, now, block ?? null, rewardWei.toString(), cut.toString(), deposit.toString(), canarySeed)
}
