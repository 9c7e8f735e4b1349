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
export function excludeIfDue(store: Store, agentId: string, now: number): Exclusion | undefined {
  const { sqlite } = store
  const { wrong } = sqlite
    .prepare<[string], { wrong: number }>(
      `SELECT COUNT(*) AS wrong FROM results r JOIN inclusions i ON i.key = r.inclusion
       WHERE r.agent_id = ? AND r.matched = 0 AND i.source = 'canary'`,
    )
    .get(agentId) as { wrong: number }
  const { skipped } = sqlite
    .prepare<[string], { skipped: number }>(
      'SELECT COALESCE(SUM(canaries_skipped), 0) AS skipped FROM epoch_agents WHERE agent_id = ?',
    )
    .get(agentId) as { skipped: number }
  if (wrong + skipped < EXCLUDE_AFTER_CANARY_FAILURES) return undefined
  const reason = `canary failures: ${wrong} wrong, ${skipped} skipped (docs/rewards.md#canaries)`
  const changed = sqlite
    .prepare('UPDATE agents SET excluded_at = ?, excluded_reason = ? WHERE id = ? AND excluded_at IS NULL')
    .run(now, reason, agentId)
  return changed.changes === 0 ? undefined : { reason, wrong, skipped }
}
