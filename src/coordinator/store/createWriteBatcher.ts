import type SQLite from 'better-sqlite3'

export interface WriteBatcher {
  /** Runs `write` inside the next group commit; resolves once that commit is durable. */
  run(write: () => void): Promise<void>
}

/**
 * Group commit: writes queued in the same turn of the event loop share one SQLite transaction, hence one
 * fsync (synchronous=FULL), and every caller learns the outcome of that commit. A failing write rolls back
 * the whole group and every caller in it gets the error.
 */
export function createWriteBatcher(sqlite: SQLite.Database): WriteBatcher {
  let queue: { write: () => void; resolve: () => void; reject: (e: unknown) => void }[] = []
  const commit = sqlite.transaction((batch: typeof queue) => {
    for (const item of batch) item.write()
  })
  const flush = () => {
    const batch = queue
    queue = []
    try {
      commit(batch)
    } catch (error) {
      for (const item of batch) item.reject(error)
      return
    }
    for (const item of batch) item.resolve()
  }
  return {
    run(write) {
      return new Promise((resolve, reject) => {
        if (queue.push({ write, resolve, reject }) === 1) setImmediate(flush)
      })
    },
  }
}
