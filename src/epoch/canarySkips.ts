/** Below this chance of happening to an honest agent, an agent's skipped canaries are judged deliberate. */
export const SKIP_FALSE_POSITIVE = 1e-6

export interface TaskExpiries {
  /** Canaries assigned to the agent (whose deadline passed), and those it never answered. */
  canaries: number
  canariesSkipped: number
  /** The same for every other task. */
  tasks: number
  tasksSkipped: number
}

/**
 * Whether an agent let canaries expire on purpose. A canary cannot be told from a real task by what the agent
 * receives, so an honest agent (slow, restarting, cut off) lets canaries expire at the rate it lets tasks
 * expire; one that tells canaries apart (e.g. by asking a node whether the transaction is in its mempool) and
 * skips them does not. Judged deliberate when, at the agent's own expiry rate over its other tasks (with one
 * expiry and one answer added, so a clean record is not taken as rate 0), at least that many of its
 * canaries would expire with a chance under SKIP_FALSE_POSITIVE (binomial tail).
 */
export function canarySkipsDeliberate(x: TaskExpiries): boolean {
  if (x.canariesSkipped === 0) return false
  const rate = (x.tasksSkipped + 1) / (x.tasks + 2)
  return binomialTail(x.canaries, x.canariesSkipped, rate) < SKIP_FALSE_POSITIVE
}

/** P(X ≥ k) for X ~ Binomial(n, p), summed in log space. */
export function binomialTail(n: number, k: number, p: number): number {
  if (k <= 0) return 1
  if (k > n) return 0
  const logP = Math.log(p)
  const logQ = Math.log1p(-p)
  // log C(n, i), built up from log C(n, k).
  let logC = 0
  for (let i = 0; i < k; i++) logC += Math.log(n - i) - Math.log(i + 1)
  let sum = 0
  for (let i = k; i <= n; i++) {
    sum += Math.exp(logC + i * logP + (n - i) * logQ)
    logC += Math.log(n - i) - Math.log(i + 1)
  }
  return Math.min(1, sum)
}
