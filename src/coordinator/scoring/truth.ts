/**
 * What the chain says about one included transaction (or, for a canary, what the engine answers), the
 * yardstick for every verdict. Fields that are absent are not known for that inclusion (e.g. a replayed
 * fixture without logs) and are not scored. Stored as this JSON in `inclusions.truth`.
 */
export interface Truth {
  /** True for every mined transaction; false for a canary built invalid (then only `valid` and `hash` count). */
  valid: boolean
  hash?: string
  sender?: string
  /** Receipt status: `success` (1) or `failed` (0: reverted or halted). */
  status?: 'success' | 'failed'
  /** Receipt gas used, decimal. */
  gasUsed?: string
  logs?: { address: string; topics: string[]; data: string }[]
  /** Receipt `contractAddress`, or null when the transaction created nothing. */
  createdAddress?: string | null
  /** canonicalChanges() of the node's prestateTracer diff. */
  changes?: string
}

/** Fields scored per level: L1 and L2 answer whether the transaction is valid and whose it is, L3 what it did. */
export const SCORED_FIELDS = {
  1: ['valid', 'hash', 'sender'],
  2: ['valid', 'hash', 'sender'],
  3: ['valid', 'hash', 'sender', 'status', 'gasUsed', 'logs', 'createdAddress', 'stateChanges'],
  4: ['valid', 'hash', 'sender', 'status', 'gasUsed', 'logs', 'createdAddress', 'stateChanges'],
} as const satisfies Record<number, readonly string[]>

export type ScoredField = (typeof SCORED_FIELDS)[3][number]
