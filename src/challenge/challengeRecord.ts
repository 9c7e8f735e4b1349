import type { Address, Hex } from 'viem'
import { computeScore, passes } from './computeScore.ts'

/** What the chain says of one challenge: its creation, commits, reveals and, once there, its finalization. */
export interface ChallengeRecord {
  id: bigint
  creator: Address
  seed: Hex
  /** `promptOrCid` as UTF-8 text when it is valid UTF-8, else hex. */
  prompt: string
  startBlock: bigint
  commitDeadline: bigint
  revealDeadline: bigint
  minAgents: number
  invitees: Address[]
  createdTx: Hex
  commits: { agent: Address; block: bigint; commitment: Hex; tx: Hex }[]
  reveals: { agent: Address; block: bigint; answer: Hex; tx: Hex }[]
  finalized:
    | (Finalized & {
        block: bigint
        tx: Hex
        /** The expected answers the creator passed to `finalize`, by invitee (read from its calldata). */
        expectedAnswers: Hex[] | undefined
      })
    | undefined
}

/** What the contract attested in its `Finalized` event. */
export interface Finalized {
  score: number
  participants: number
  revealed: number
  correct: number
  spread: bigint
  swarmHash: Hex
  passed: boolean
}

export interface ChallengeMetrics {
  phase: 'commit' | 'reveal' | 'finalizable' | 'finalized'
  invitees: number
  commits: number
  reveals: number
  /** Last commit block − first (0 with fewer than two commits). */
  spread: number
  participationBps: number
  revealRateBps: number
  /** With expected answers known (given, or from the finalize calldata): the full score, computed here. */
  correct: number | undefined
  score: number | undefined
  passed: boolean | undefined
  /** Finalized: the contract's figures equal these. */
  agrees: boolean | undefined
}

/**
 * The off-chain metrics of a challenge from its events alone (docs/spec/challenge.md#off-chain-metrics), at
 * block `head`; `expected` (by invitee, in invitee order) overrides the answers of the finalize calldata.
 */
export function challengeMetrics(
  record: ChallengeRecord,
  head: bigint,
  expected?: readonly Hex[],
): ChallengeMetrics {
  const commits = record.commits.length
  const reveals = record.reveals.length
  const blocks = record.commits.map((c) => c.block)
  const spread =
    commits < 2
      ? 0
      : Number(blocks.reduce((a, b) => (b > a ? b : a)) - blocks.reduce((a, b) => (b < a ? b : a)))
  const invitees = record.invitees.length
  const answers = expected ?? record.finalized?.expectedAnswers
  let correct: number | undefined
  if (answers !== undefined) {
    const byAgent = new Map(record.reveals.map((r) => [r.agent.toLowerCase(), r.answer.toLowerCase()]))
    correct = record.invitees.filter(
      (agent, i) => byAgent.get(agent.toLowerCase()) === answers[i]?.toLowerCase(),
    ).length
  }
  const score =
    correct === undefined ? undefined : computeScore({ spread, invitees, commits, reveals, correct })
  const f = record.finalized
  return {
    phase:
      f !== undefined
        ? 'finalized'
        : head <= record.commitDeadline
          ? 'commit'
          : head <= record.revealDeadline
            ? 'reveal'
            : 'finalizable',
    invitees,
    commits,
    reveals,
    spread,
    participationBps: invitees === 0 ? 0 : Math.floor((commits * 10_000) / invitees),
    revealRateBps: commits === 0 ? 0 : Math.floor((reveals * 10_000) / commits),
    correct,
    score,
    passed:
      score === undefined || correct === undefined ? undefined : passes(score, correct, record.minAgents),
    agrees:
      f === undefined || score === undefined
        ? undefined
        : f.score === score &&
          f.participants === commits &&
          f.revealed === reveals &&
          f.correct === correct &&
          Number(f.spread) === spread,
  }
}
