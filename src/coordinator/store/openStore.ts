import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import { Migrator } from 'kysely/migration'
import { ApiaryError } from '../../internal/errors.ts'
import { MIGRATIONS } from './migrations.ts'
import type { Database } from './schema.ts'

export interface Store {
  db: Kysely<Database>
  /** The same connection without Kysely, for prepared statements on hot paths. */
  sqlite: SQLite.Database
  close(): Promise<void>
}

/**
 * Opens (creating if needed) the coordinator's SQLite database in WAL mode with synchronous=FULL, so that a
 * committed write survives a crash at any instant, and brings its schema up to date.
 */
export async function openStore({ path }: { path: string }): Promise<Store> {
  const unwritable = (cause: unknown) =>
    new ApiaryError('APIARY_STORE_UNWRITABLE', `the datadir ${dirname(path)} is not writable`, {
      cause,
      hints: ['give a --datadir this user can write to (and on a file system mounted read-write)'],
    })
  if (path !== ':memory:')
    try {
      mkdirSync(dirname(path), { recursive: true })
    } catch (cause) {
      throw unwritable(cause)
    }
  let sqlite: SQLite.Database
  try {
    sqlite = new SQLite(path)
  } catch (cause) {
    throw new ApiaryError('APIARY_STORE_UNOPENABLE', `cannot open the database ${path}`, {
      cause,
      usage: true,
    })
  }
  try {
    sqlite.pragma('journal_mode = WAL')
    sqlite.pragma('synchronous = FULL')
    sqlite.pragma('foreign_keys = ON')
    sqlite.pragma('busy_timeout = 5000')
  } catch (cause) {
    sqlite.close()
    throw unwritable(cause)
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) })
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } })
  const { error } = await migrator.migrateToLatest()
  if (error !== undefined) {
    await db.destroy()
    throw new ApiaryError('APIARY_STORE_MIGRATION_FAILED', `cannot bring ${path} up to date`, {
      cause: error,
    })
  }
  const store: Store = { db, sqlite, close: () => db.destroy() }
  const probe = probeWrite(store)
  if (probe !== undefined) {
    await db.destroy()
    throw unwritable(new Error(probe))
  }
  return store
}

/**
 * Writes one row and commits it: undefined when the store can write, else why not (a read-only file or
 * file system, a full disk). What start-up and /readyz ask.
 */
export function probeWrite(store: Store): string | undefined {
  try {
    store.sqlite
      .prepare(
        "INSERT INTO meta (key, value) VALUES ('write_probe', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      )
      .run(String(Date.now()))
    return undefined
  } catch (error) {
    return (error as { code?: string }).code ?? 'write failed'
  }
}
