/** One invitee as the chain saw it: its commit block (undefined: none), whether it revealed, and its answer. */
export interface InviteeEntry {
  commitBlock: bigint | undefined
  revealed: boolean
  /** Its revealed answer equals the expected one. */
  correct: boolean
}

/** One invitee's verdict (docs/spec/challenge.md#score). */
export interface InviteeVerdict {
  /** Committed before the commit deadline (the contract takes no other). */
  committed: boolean
  revealed: boolean
  /** Revealed the expected answer: what the score counts. */
  answered: boolean
}

/** Each invitee's verdict, in invitee order, as `SwarmChallenge.finalize` gives it. */
export function inviteeVerdicts(entries: readonly InviteeEntry[]): InviteeVerdict[] {
  return entries.map((e) => ({
    committed: e.commitBlock !== undefined,
    revealed: e.revealed,
    answered: e.revealed && e.correct,
  }))
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
