import type { CoordinatorStatus } from '../coordinatorStatus.ts'
import type { OpenEpoch, SettlerStatus } from '../epochs/index.ts'
import type { FollowerStatus } from '../follower/index.ts'
import { type Accuracy, createAccuracy, type ScoredField } from '../scoring/index.ts'
import type { Store } from '../store/index.ts'
import type { HubCounters } from '../work/index.ts'

/**
 * What a replica serves of the swarm's live state (HTTP API, status lines, metrics). The leader reads its
 * own memory; a standby reads what the leader publishes to the store every second (`LeaderSnapshot`) and
 * the accuracy tallies from the stored scores, so every replica answers the same API.
 */
export interface LiveView {
  role: 'leader' | 'standby'
  counters(): HubCounters
  /** Agents with an open task stream (on the leader: every agent works through it). */
  connected(): ReadonlySet<string>
  accuracy(): Pick<Accuracy, 'total' | 'agents' | 'levels'>
  follower(): FollowerStatus | undefined
  /** The open epoch; undefined on a standby before any leader published one. */
  epoch(): OpenEpoch | undefined
  settler(): SettlerStatus | undefined
  status(): CoordinatorStatus
}

/** What the leader publishes (meta key `leader`), as JSON: bigints as decimal strings. */
export interface LeaderSnapshot {
  /** The leader's lease term: a snapshot of an older term than the lease's is stale. */
  term: number
  /** Where standbys relay agents' calls. */
  grpcUrl: string
  /** When it was published (the leader's clock, ms). */
  at: number
  connected: string[]
  follower: FollowerStatus | undefined
  status: Omit<CoordinatorStatus, 'accuracy' | 'chainId' | 'challenge'>
}

export const SNAPSHOT_KEY = 'leader'

/** The snapshot of the leader's view, to publish. */
export function leaderSnapshot(view: LiveView, term: number, grpcUrl: string): string {
  const { accuracy: _accuracy, chainId: _chainId, challenge: _challenge, ...status } = view.status()
  const snapshot: LeaderSnapshot = {
    term,
    grpcUrl,
    at: Date.now(),
    connected: [...view.connected()],
    follower: view.follower(),
    status,
  }
  return JSON.stringify(snapshot)
}

/** Tallies of every stored score, as the leader seeds its own at start. */
export async function loadAccuracy(store: Store): Promise<Accuracy> {
  const accuracy = createAccuracy()
  const list = (text: string) => (text === '' ? [] : text.split(','))
  for (const row of await store.work.scoredGroups())
    accuracy.add(
      row.agentId,
      row.level,
      { fields: list(row.fields) as ScoredField[], mismatches: list(row.mismatches) as ScoredField[] },
      row.n,
    )
  return accuracy
}

export interface StandbyView extends LiveView {
  /** The leader's gRPC URL when its snapshot is of the lease's current term. */
  leaderGrpcUrl(): string | undefined
  /** Reads the store again (the snapshot every `snapshotMs`, the tallies every `accuracyMs`). */
  refresh(): Promise<void>
  close(): void
}

/**
 * A standby's view: the leader's last snapshot and the stored scores, refreshed in the background (a
 * request never waits for the store). Challenges come from the replica's own index of the chain.
 */
export async function createStandbyView({
  store,
  chainId,
  challenge,
  snapshotMs = 500,
  accuracyMs = 5_000,
}: {
  store: Store
  chainId: bigint
  challenge: () => CoordinatorStatus['challenge']
  snapshotMs?: number
  accuracyMs?: number
}): Promise<StandbyView> {
  let snapshot: LeaderSnapshot | undefined
  let current = false
  let accuracy = createAccuracy()
  let accuracyAt = 0
  const refresh = async () => {
    const [text, lease] = await Promise.all([store.meta.get(SNAPSHOT_KEY), store.leases.get('leader')])
    snapshot = text === undefined ? undefined : (JSON.parse(text) as LeaderSnapshot)
    current = snapshot !== undefined && lease !== undefined && lease.token === snapshot.term
    if (Date.now() - accuracyAt >= accuracyMs) {
      accuracy = await loadAccuracy(store)
      accuracyAt = Date.now()
    }
  }
  await refresh()
  let refreshing = false
  const timer = setInterval(() => {
    if (refreshing) return
    refreshing = true
    refresh()
      .catch(() => {})
      .finally(() => {
        refreshing = false
      })
  }, snapshotMs)
  timer.unref()
  const zero: HubCounters = { dispatched: 0, answered: 0, rejected: 0, scored: 0, matched: 0 }
  return {
    role: 'standby',
    counters: () => snapshot?.status.counters ?? zero,
    connected: () => new Set(current ? snapshot?.connected : []),
    accuracy: () => accuracy,
    follower: () => snapshot?.follower,
    epoch: () => snapshot?.status.epoch,
    settler: () => snapshot?.status.settlement,
    status: () => ({
      chainId,
      head: snapshot?.status.head,
      followed: snapshot?.status.followed,
      pending: snapshot?.status.pending,
      history: snapshot?.status.history,
      canaries: snapshot?.status.canaries,
      agentsLive: current ? (snapshot?.connected.length ?? 0) : 0,
      counters: snapshot?.status.counters ?? zero,
      accuracy: { total: accuracy.total(), agents: accuracy.agents() },
      epoch: snapshot?.status.epoch,
      settlement: snapshot?.status.settlement,
      sealing: snapshot?.status.sealing,
      challenge: challenge(),
    }),
    leaderGrpcUrl: () => (current ? snapshot?.grpcUrl : undefined),
    refresh,
    close: () => clearInterval(timer),
  }
}
