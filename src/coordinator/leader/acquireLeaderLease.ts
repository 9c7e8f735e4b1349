import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from '../../internal/logger.ts'
import type { LeaseTerm, Store } from '../store/index.ts'

export interface AcquireLeaderLeaseParameters {
  store: Store
  logger: Logger
  /** How long a term lasts without renewal (ms); renewed every third of it. */
  ttlMs: number
  signal: AbortSignal
}

export interface LeaderLease {
  term: LeaseTerm
  /** Resolves when the term is over: taken by another replica, or not renewed in time (the store unreachable). */
  lost: Promise<string>
  /** Ends the term at once (a clean stop) and stops renewing. */
  release(): Promise<void>
}

/** This process as a lease holder: host, pid and a random suffix (a restarted process is a new holder). */
export function leaseHolder(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`
}

/**
 * Waits until this replica holds the `leader` lease of the store (at once when nobody holds it; when the
 * holder stops renewing, once its term lapses), then renews it every `ttlMs / 3`. Every write the leader
 * makes goes through `store.fenced(term)`: from the moment the term is over — even for a process that was
 * paused and does not know it yet — those writes are refused, so a deposed leader writes nothing.
 */
export async function acquireLeaderLease({
  store,
  logger,
  ttlMs,
  signal,
}: AcquireLeaderLeaseParameters): Promise<LeaderLease> {
  const holder = leaseHolder()
  const every = Math.max(50, Math.floor(ttlMs / 3))
  let token: number | undefined
  let waitingLogged = false
  while (token === undefined) {
    signal.throwIfAborted()
    token = await store.leases.acquire('leader', holder, ttlMs).catch((error) => {
      logger.warn({ err: error }, 'cannot reach the store to take the leader lease; retrying')
      return undefined
    })
    if (token !== undefined) break
    if (!waitingLogged) {
      const current = await store.leases.get('leader').catch(() => undefined)
      logger.info(
        { leader: current?.holder },
        'standby: another replica leads; waiting for its lease to lapse',
      )
      waitingLogged = true
    }
    await sleep(every, undefined, { signal }).catch(() => {})
  }
  const term: LeaseTerm = { name: 'leader', holder, token }
  logger.info({ holder, term: token }, 'this replica leads')
  let renewedAt = Date.now()
  const stop = new AbortController()
  const lost = (async () => {
    while (!stop.signal.aborted) {
      await sleep(every, undefined, { signal: stop.signal }).catch(() => {})
      if (stop.signal.aborted) break
      const renewed = await store.leases.acquire('leader', holder, ttlMs).catch(() => null)
      if (renewed === token) renewedAt = Date.now()
      else if (renewed === undefined) return 'another replica holds the lease'
      else if (renewed !== null) return `the term lapsed before it was renewed (a new one, ${renewed}, began)`
      // Unreachable for a whole term: another replica may lead by now. (Writes were refused from its end.)
      if (Date.now() - renewedAt >= ttlMs) return 'the lease could not be renewed in time'
    }
    return 'released'
  })()
  return {
    term,
    lost,
    async release() {
      stop.abort()
      await lost
      await store.leases.release(term).catch(() => {})
    },
  }
}
