import type { Store } from '../store/index.ts'

/** When the coordinator learnt of one block: its last look before the block existed, and its first sight. */
export interface BlockSighting {
  /** When the last head query that did not return the block was sent (undefined: never looked before). */
  absentAt: number | undefined
  /** When the first head query that returned it answered. */
  seenAt: number
}

export interface BlockClock {
  /** Records a head query: sent at `sentAt`, answered at `answeredAt` with `head`. */
  observe(head: number, sentAt: number, answeredAt: number): void
  /** How block `number` was first seen (undefined before it was). */
  sighting(number: number): BlockSighting | undefined
  /** Forgets sightings of blocks at or below `number` (they are stored with their inclusions). */
  forget(number: number): void
}

export interface BlockClockOptions {
  /**
   * Where the last look at the head is kept (`meta.block_clock`, at most every `saveEveryMs` and at every new
   * head): after a restart, blocks mined while the coordinator was down are known to have been absent at
   * its last look before it stopped, so answers committed before it still count as early.
   */
  store?: Store | undefined
  saveEveryMs?: number
}

/**
 * Times the arrival of blocks from every head query the coordinator makes (the follower's and the
 * pending follower's, which looks every 100 ms): the rule that pays an answer only when it was committed
 * before its truth existed compares the answer's commit time with `absentAt`, the last moment the
 * coordinator saw the chain without the block.
 */
export async function createBlockClock({
  store,
  saveEveryMs = 1000,
}: BlockClockOptions = {}): Promise<BlockClock> {
  const sightings = new Map<number, BlockSighting>()
  const saved = await store?.meta.get('block_clock')
  // Saves run one after the other; one that fails is dropped (the next look saves again).
  let saving = Promise.resolve()
  const save =
    store === undefined
      ? undefined
      : (value: string) => {
          saving = saving.then(() => store.meta.set('block_clock', value)).catch(() => {})
        }
  const last = saved === undefined ? undefined : (JSON.parse(saved) as { head: number; sentAt: number })
  let head = last?.head
  let lastSentAt = last?.sentAt
  let savedAt = 0
  return {
    observe(newHead, sentAt, answeredAt) {
      if (head !== undefined && newHead < head) return // a stale answer
      const moved = head !== undefined && newHead > head
      if (head !== undefined && newHead > head) {
        // None of the new blocks existed when the previous query (which returned `head`) was sent.
        for (let n = Math.max(head + 1, newHead - 1024); n <= newHead; n++)
          if (!sightings.has(n)) sightings.set(n, { absentAt: lastSentAt, seenAt: answeredAt })
        lastSentAt = sentAt
      } else lastSentAt = Math.max(lastSentAt ?? sentAt, sentAt)
      head = newHead
      // A saved look older than the last one only makes absentAt earlier: stricter, never wrong.
      if (save !== undefined && (moved || answeredAt - savedAt >= saveEveryMs)) {
        save(JSON.stringify({ head, sentAt: lastSentAt }))
        savedAt = answeredAt
      }
    },
    sighting: (number) => sightings.get(number),
    forget(number) {
      for (const n of sightings.keys()) if (n <= number) sightings.delete(n)
    },
  }
}
