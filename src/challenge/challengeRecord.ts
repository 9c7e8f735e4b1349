import type { Address, Hex } from 'viem'
import { computeScore, type InviteeVerdict, inviteeVerdicts, passes } from './computeScore.ts'

/** What the chain says of one challenge: its creation, commits, reveals and, once there, its finalization. */
export interface ChallengeRecord {
  id: bigint
  creator: Address
  seed: Hex
  /** `promptOrCid` as UTF-8 text when it is valid UTF-8, else hex. */
  prompt: string
  startBlock: bigint
  /** Hash of the block the challenge was created in: part of every task seed. */
  openHash: Hex
  /** Gas of each invitee's task. */
  difficulty: bigint
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
  /** Revealed the expected answer: what the score counts. */
  answered: number
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
  answered: number | undefined
  /** Each invitee's verdict, in invitee order (with expected answers known). */
  verdicts: (InviteeVerdict & { agent: Address })[] | undefined
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
  let verdicts: (InviteeVerdict & { agent: Address })[] | undefined
  if (answers !== undefined) {
    const revealed = new Map(record.reveals.map((r) => [r.agent.toLowerCase(), r.answer.toLowerCase()]))
    const committed = new Map(record.commits.map((c) => [c.agent.toLowerCase(), c.block]))
    verdicts = inviteeVerdicts(
      record.invitees.map((agent, i) => ({
        commitBlock: committed.get(agent.toLowerCase()),
        revealed: revealed.has(agent.toLowerCase()),
        correct: revealed.get(agent.toLowerCase()) === answers[i]?.toLowerCase(),
      })),
    ).map((v, i) => ({ ...v, agent: record.invitees[i] as Address }))
  }
  const answered = verdicts?.filter((v) => v.answered).length
  const score = answered === undefined ? undefined : computeScore({ invitees, answered })
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
    answered,
    verdicts,
    score,
    passed:
      score === undefined || answered === undefined ? undefined : passes(score, answered, record.minAgents),
    agrees:
      f === undefined || score === undefined
        ? undefined
        : f.score === score &&
          f.participants === commits &&
          f.revealed === reveals &&
          f.answered === answered &&
          Number(f.spread) === spread,
  }
}
