/** A commit counts as in time up to this many blocks after the challenge's first commit. */
export const TIMELY_BLOCKS = 2

/** One invitee as the chain saw it: its commit block (undefined: none), whether it revealed, and its answer. */
export interface InviteeEntry {
  commitBlock: bigint | undefined
  revealed: boolean
  /** Its revealed answer equals the expected one. */
  correct: boolean
}

/** One invitee's verdict (docs/spec/challenge.md#score). */
export interface InviteeVerdict {
  committed: boolean
  /** Committed within TIMELY_BLOCKS of the first commit. */
  timely: boolean
  revealed: boolean
  correct: boolean
  /** Revealed a correct answer committed in time: what the score counts. */
  answered: boolean
}

/** Each invitee's verdict, in invitee order, as `SwarmChallenge.finalize` gives it. */
export function inviteeVerdicts(entries: readonly InviteeEntry[]): InviteeVerdict[] {
  const blocks = entries.flatMap((e) => (e.commitBlock === undefined ? [] : [e.commitBlock]))
  const first = blocks.length === 0 ? 0n : blocks.reduce((a, b) => (b < a ? b : a))
  return entries.map((e) => {
    const committed = e.commitBlock !== undefined
    const timely = committed && (e.commitBlock as bigint) <= first + BigInt(TIMELY_BLOCKS)
    const correct = e.revealed && e.correct
    return { committed, timely, revealed: e.revealed, correct, answered: correct && timely }
  })
}

/**
 * The challenge score in basis points, exactly as `SwarmChallenge.computeScore` computes it
 * (docs/spec/challenge.md#score): the share of invitees that answered, floored.
 */
export function computeScore({ invitees, answered }: { invitees: number; answered: number }): number {
  return invitees === 0 ? 0 : Math.floor((answered * 10_000) / invitees)
}

/** A finalized challenge passes with at least 7000 and at least `minAgents` invitees that answered. */
export function passes(score: number, answered: number, minAgents: number): boolean {
  return score >= 7000 && answered >= minAgents
}
