/**
 * What one matched answer earns, by the kind of task and its level (docs/rewards.md#what-earns). Only work
 * a lookup could not have given earns:
 * - `preconfirmation` — a transaction pre-executed in the node's pending block, answered before its block
 *   existed. L3 (gas, status, logs, state diff on the pending state) is not predictable: it carries the
 *   weight. L1/L2 verdicts on a transaction a node accepted into its public mempool are a lookup (the node
 *   checked it already): they earn nothing.
 * - `canary` — a transaction the coordinator built and never sent: nobody but an engine knows the answer.
 *   L3 canaries earn like pre-confirmation L3. At L1/L2 only an invalid canary found invalid earns (a
 *   little: the only L1/L2 work no node has checked); "valid" is what an agent that checks nothing says,
 *   so a valid L1/L2 canary earns nothing. A wrong canary answer voids the agent's epoch.
 * - `history` — a mined transaction (and replayed fixtures): its receipt is public, so it earns nothing; it
 *   still counts for accuracy, so a new agent can qualify on it.
 */
export type TaskKind = 'preconfirmation' | 'canary' | 'history'

export const TASK_POINTS: Record<TaskKind, Record<1 | 2 | 3, number>> = {
  preconfirmation: { 1: 0, 2: 0, 3: 1000 },
  canary: { 1: 100, 2: 100, 3: 1000 },
  history: { 1: 0, 2: 0, 3: 0 },
}

/** The kind of a task from the source of its inclusion in the coordinator's store. */
export function taskKindOf(source: string): TaskKind {
  return source === 'pending' ? 'preconfirmation' : source === 'canary' ? 'canary' : 'history'
}

/**
 * Whether an answer was committed before its truth existed: at or before `absentAt`, the coordinator's
 * last look at the chain before the including block was there (null: unknown, e.g. a block that was
 * already mined when the coordinator first looked).
 */
export function committedBeforeTruth(committedAt: number, absentAt: number | null): boolean {
  return absentAt !== null && committedAt <= absentAt
}

/**
 * The points one scored answer earns: only when it matched and was committed before its truth existed (a
 * canary's truth never exists outside the coordinator); a canary at L1/L2 only when its truth is invalid.
 */
export function taskPoints(job: {
  kind: TaskKind
  level: number
  matched: boolean
  early: boolean
  /** The truth says the transaction is invalid (only canaries can be). */
  invalid: boolean
}): number {
  if (!job.matched || (job.kind !== 'canary' && !job.early)) return 0
  if (job.kind === 'canary' && job.level < 3 && !job.invalid) return 0
  return TASK_POINTS[job.kind][job.level as 1 | 2 | 3] ?? 0
}
