export interface AgentEpochWork {
  agentId: string
  /** Payout wallet bound at registration (lower-case 0x address). */
  wallet: string
  /** Results scored against chain truth in the epoch. */
  scored: number
  /** Of those, the ones that matched on every scored field. */
  matched: number
  /** Points of the matched answers committed before their truth (taskPoints). */
  points: bigint
  /** Canary answers that were wrong: any voids the epoch's weight. */
  canariesFailed: number
  /** Excluded for canary failures by the close: earns nothing. */
  excluded?: boolean
}

export interface WeightParameters {
  /** Accuracy (basis points of matched ÷ scored) at or above which the bonus applies; default 9950. */
  bonusAccuracyBps: number
  /** Weight multiplier with the bonus, in basis points; default 12000 (×1.2). */
  bonusMultiplierBps: number
  /** Agents with fewer scored tasks get weight 0. */
  minTasks: number
}

/** ioSwarm's defaults: the bonus (×1.2) from 99.5 % accuracy, one scored task to earn. */
export const DEFAULT_WEIGHT_PARAMETERS: WeightParameters = {
  bonusAccuracyBps: 9950,
  bonusMultiplierBps: 12_000,
  minTasks: 1,
}

export interface AgentWeight extends AgentEpochWork {
  /**
   * points, times the bonus multiplier when accuracy qualifies; 0 under `minTasks`, after a wrong canary or
   * once excluded.
   */
  weight: bigint
  /** floor(matched × 10000 ÷ scored); 0 when nothing was scored. */
  accuracyBps: number
  bonus: boolean
  /** 1 for the heaviest; agents of equal weight share a rank; agents of weight 0 are unranked (0). */
  rank: number
}

/**
 * The ioSwarm weight model in integer arithmetic, over points instead of matched tasks: weight = points ×
 * (accuracy ≥ bonus threshold ? multiplier ÷ 10000 : 1), floored; 0 under the minimum task count, after
 * any wrong canary answer and for an excluded agent. Accuracy is over every scored answer (history included); points only come
 * from answers committed before their truth (taskPoints). Nothing an agent reports about itself counts.
 * Sorted by weight, then agent id.
 */
export function computeWeights(work: readonly AgentEpochWork[], params: WeightParameters): AgentWeight[] {
  const weighted = work.map((w) => {
    const accuracyBps = w.scored === 0 ? 0 : Math.floor((w.matched * 10_000) / w.scored)
    const eligible = w.scored >= params.minTasks && w.points > 0n && w.canariesFailed === 0 && !w.excluded
    const bonus = eligible && accuracyBps >= params.bonusAccuracyBps
    const base = w.points
    const weight = !eligible ? 0n : bonus ? (base * BigInt(params.bonusMultiplierBps)) / 10_000n : base
    return { ...w, weight, accuracyBps, bonus, rank: 0 }
  })
  weighted.sort((a, b) =>
    a.weight === b.weight ? (a.agentId < b.agentId ? -1 : 1) : a.weight > b.weight ? -1 : 1,
  )
  let rank = 0
  let previous: bigint | undefined
  for (const [i, w] of weighted.entries()) {
    if (w.weight === 0n) break
    if (w.weight !== previous) rank = i + 1
    previous = w.weight
    w.rank = rank
  }
  return weighted
}
