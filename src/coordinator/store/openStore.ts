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
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  let sqlite: SQLite.Database
  try {
    sqlite = new SQLite(path)
  } catch (cause) {
    throw new ApiaryError('APIARY_STORE_UNOPENABLE', `cannot open the database ${path}`, {
      cause,
      usage: true,
    })
  }
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = FULL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) })
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } })
  const { error } = await migrator.migrateToLatest()
  if (error !== undefined) {
    await db.destroy()
    throw new ApiaryError('APIARY_STORE_MIGRATION_FAILED', `cannot bring ${path} up to date`, {
      cause: error,
    })
  }
  return { db, sqlite, close: () => db.destroy() }
}
