export interface ScoreInputs {
  /** Last commit block − first commit block (0 with fewer than two commits). */
  spread: number
  invitees: number
  commits: number
  reveals: number
  correct: number
}

/**
 * The challenge score in basis points, exactly as `SwarmChallenge.computeScore` computes it
 * (docs/spec/challenge.md#score): timing × participation × reveals × correctness, floored once.
 */
export function computeScore({ spread, invitees, commits, reveals, correct }: ScoreInputs): number {
  if (commits === 0 || reveals === 0 || invitees === 0) return 0
  const timing = spread <= 2 ? 10_000n : spread - 2 >= 14 ? 0n : 10_000n >> BigInt(spread - 2)
  const participation = (BigInt(commits) * 10_000n) / BigInt(invitees)
  const missing = commits - reveals
  const revealing = missing >= 14 ? 0n : 10_000n >> BigInt(missing)
  const correctness = (BigInt(correct) * 10_000n) / BigInt(reveals)
  return Number((timing * participation * revealing * correctness) / 10n ** 12n)
}

/** A finalized challenge passes with at least 7000 and at least `minAgents` correct answers. */
export function passes(score: number, correct: number, minAgents: number): boolean {
  return score >= 7000 && correct >= minAgents
}
