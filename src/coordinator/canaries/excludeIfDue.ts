import type { Store } from '../store/index.ts'

/** Canary failures (wrong answers, and skips an epoch judged deliberate) after which an agent is excluded. */
export const EXCLUDE_AFTER_CANARY_FAILURES = 3

export interface Exclusion {
  reason: string
  wrong: number
  skipped: number
}

/**
 * Excludes an agent once its canary failures reach EXCLUDE_AFTER_CANARY_FAILURES: its wrong canary answers
 * (results) and the canaries closed epochs counted as deliberately skipped (`epoch_agents.canaries_skipped`).
 * The exclusion is stored with its reason and counts (`agents.excluded_at`, `excluded_reason`); returns it
 * when this call made it. An honest agent's engine gives the canary's expected answer, so it never fails one.
 */
export async function excludeIfDue(
  store: Store,
  agentId: string,
  now: number,
): Promise<Exclusion | undefined> {
  const wrong = await store.work.wrongCanaries(agentId)
  const skipped = await store.epochs.skippedCanaries(agentId)
  if (wrong + skipped < EXCLUDE_AFTER_CANARY_FAILURES) return undefined
  const reason = `canary failures: ${wrong} wrong, ${skipped} skipped (docs/rewards.md#canaries)`
  return (await store.agents.exclude(agentId, now, reason)) ? { reason, wrong, skipped } : undefined
}
