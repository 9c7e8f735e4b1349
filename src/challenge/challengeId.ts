export interface ChallengeWindow {
  sequence: bigint
  /** The last block that accepts a commit. */
  commitDeadline: bigint
  /** The last block that accepts a reveal. */
  revealDeadline: bigint
}

const U64 = (1n << 64n) - 1n

/** The deadlines a challenge id carries: `sequence << 128 | commitDeadline << 64 | revealDeadline`. */
export function parseChallengeId(id: bigint): ChallengeWindow {
  return { sequence: id >> 128n, commitDeadline: (id >> 64n) & U64, revealDeadline: id & U64 }
}
