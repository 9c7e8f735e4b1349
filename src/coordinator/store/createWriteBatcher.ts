import type { Kysely } from 'kysely'
import { createStoreOperations, type StoreOperations } from './createStoreOperations.ts'
import type { StoreDialect } from './migrations.ts'
import type { Database } from './schema.ts'

export interface WriteBatcher {
  /** Runs `write` inside the next group commit; resolves once that commit is durable. */
  run(write: (ops: StoreOperations) => Promise<void>): Promise<void>
}

/**
 * Group commit: writes queued in the same turn of the event loop share one transaction, hence one fsync
 * (SQLite synchronous=FULL, PostgreSQL's commit), and every caller learns the outcome of that commit. A
 * failing write rolls back the whole group and every caller in it gets the error. Writes of one group run in
 * the order they were queued, one after the other; one group commits at a time, the writes queued while it
 * does forming the next.
 */
export function createWriteBatcher(
  db: Kysely<Database>,
  dialect: StoreDialect,
  /** Runs first in every group's transaction (a lease's fence): when it throws, the group fails. */
  before?: (ops: StoreOperations) => Promise<void>,
): WriteBatcher {
  type Item = {
    write: (ops: StoreOperations) => Promise<void>
    resolve: () => void
    reject: (e: unknown) => void
  }
  let queue: Item[] = []
  /** One group commits at a time: what arrives meanwhile forms the next group (bounded connections). */
  let flushing = false
  const flush = async () => {
    flushing = true
    const batch = queue
    queue = []
    try {
      await db.transaction().execute(async (trx) => {
        const ops = createStoreOperations(trx, dialect)
        await before?.(ops)
        for (const item of batch) await item.write(ops)
      })
      for (const item of batch) item.resolve()
    } catch (error) {
      for (const item of batch) item.reject(error)
    } finally {
      flushing = false
      if (queue.length > 0) setImmediate(() => void flush())
    }
  }
  return {
    run(write) {
      return new Promise((resolve, reject) => {
        if (queue.push({ write, resolve, reject }) === 1 && !flushing) setImmediate(() => void flush())
      })
    },
  }
}
