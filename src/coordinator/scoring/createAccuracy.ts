import type { Score } from './scoreResult.ts'

export interface Tally {
  scored: number
  matched: number
  /** Per field: [agreed, compared]. */
  fields: Record<string, [number, number]>
}

export interface Accuracy {
  /** Counts one score (`times` identical ones when seeding from the store). */
  add(agentId: string, level: number, score: Score, times?: number): void
  /** Per agent. */
  agents(): Map<string, Tally>
  /** Per level (1–3). */
  levels(): Map<number, Tally>
  total(): Tally
}

const empty = (): Tally => ({ scored: 0, matched: 0, fields: {} })

function count(tally: Tally, { fields, mismatches }: Score, times: number) {
  tally.scored += times
  if (mismatches.length === 0) tally.matched += times
  for (const field of fields) {
    const pair = tally.fields[field] ?? [0, 0]
    tally.fields[field] = pair
    pair[1] += times
    if (!mismatches.includes(field)) pair[0] += times
  }
}

/** Running accuracy counters (by agent, by level, overall); the store seeds them at start. */
export function createAccuracy(): Accuracy {
  const byAgent = new Map<string, Tally>()
  const byLevel = new Map<number, Tally>()
  const all = empty()
  const get = <K>(map: Map<K, Tally>, key: K) => {
    const tally = map.get(key) ?? empty()
    map.set(key, tally)
    return tally
  }
  return {
    add(agentId, level, score, times = 1) {
      count(get(byAgent, agentId), score, times)
      count(get(byLevel, level), score, times)
      count(all, score, times)
    },
    agents: () => byAgent,
    levels: () => byLevel,
    total: () => all,
  }
}
