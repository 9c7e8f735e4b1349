import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely'
import { Migrator } from 'kysely/migration'
import pg from 'pg'
import { ApiaryError } from '../../internal/errors.ts'
import type { LeaseTerm } from './createLeaseStore.ts'
import { createStoreOperations, type StoreOperations } from './createStoreOperations.ts'
import { createWriteBatcher } from './createWriteBatcher.ts'
import { createMigrations, type StoreDialect } from './migrations.ts'
import type { Database } from './schema.ts'

/**
 * The coordinator's one store: typed operations per domain (agents, work, chain, epochs, seals, meta), the
 * same on SQLite and PostgreSQL; nothing else in the coordinator touches the database.
 */
export interface Store extends StoreOperations {
  dialect: StoreDialect
  /** Runs `work` in one transaction: all its writes or none. */
  transaction<T>(work: (ops: StoreOperations) => Promise<T>): Promise<T>
  /**
   * Group commit: writes queued in the same turn of the event loop share one transaction (one fsync), and
   * every caller learns that commit's outcome; one failing write rolls back the group and all get the error.
   */
  batch(write: (ops: StoreOperations) => Promise<void>): Promise<void>
  /** Writes one row and commits it: undefined when the store can write, else why not (start-up, /readyz). */
  probeWrite(): Promise<string | undefined>
  /** Reads one row: undefined when the store answers, else why not (a standby's /readyz). */
  probeRead(): Promise<string | undefined>
  /**
   * The same store with every write fenced by a lease term: each transaction (each group commit, each
   * operation called directly) first checks that the term is still running and fails with
   * APIARY_NOT_LEADER once it is over. What the leader's duties write through.
   */
  fenced(term: LeaseTerm): Store
  /** The query builder, for the store's own tests and test harnesses only (the layering test keeps it so). */
  db: Kysely<Database>
  close(): Promise<void>
}

/** The store over `db`, its writes fenced by `term` when given. */
function buildStore(db: Kysely<Database>, dialect: StoreDialect, term?: LeaseTerm): Store {
  const fence = term === undefined ? undefined : (ops: StoreOperations) => ops.leases.fence(term)
  const inTransaction = <T>(work: (ops: StoreOperations) => Promise<T>) =>
    db.transaction().execute(async (trx) => {
      const ops = createStoreOperations(trx, dialect)
      await fence?.(ops)
      return work(ops)
    })
  const batcher = createWriteBatcher(db, dialect, fence)
  const plain = createStoreOperations(db, dialect)
  const ops = fence === undefined ? plain : fencedOperations(plain, inTransaction)
  return {
    ...ops,
    dialect,
    db,
    transaction: inTransaction,
    batch: (write) => batcher.run(write),
    fenced: (next) => buildStore(db, dialect, next),
    async probeWrite() {
      try {
        await ops.meta.set('write_probe', String(Date.now()))
        return undefined
      } catch (error) {
        return (error as { code?: string }).code ?? 'write failed'
      }
    },
    async probeRead() {
      try {
        await ops.meta.get('chain')
        return undefined
      } catch (error) {
        return (error as { code?: string }).code ?? 'read failed'
      }
    },
    close: () => db.destroy(),
  }
}

/** Every operation run in its own fenced transaction (reads that stream, async generators, run as they are). */
function fencedOperations(
  plain: StoreOperations,
  inTransaction: <T>(work: (ops: StoreOperations) => Promise<T>) => Promise<T>,
): StoreOperations {
  const wrapped: Record<string, Record<string, unknown>> = {}
  for (const [domain, operations] of Object.entries(plain) as [
    keyof StoreOperations,
    Record<string, unknown>,
  ][]) {
    wrapped[domain] = {}
    for (const [name, operation] of Object.entries(operations))
      wrapped[domain][name] =
        typeof operation !== 'function' || operation.constructor.name === 'AsyncGeneratorFunction'
          ? operation
          : (...args: unknown[]) =>
              inTransaction(async (ops) =>
                (ops[domain] as Record<string, (...a: unknown[]) => Promise<unknown>>)[name]?.(...args),
              )
  }
  return wrapped as unknown as StoreOperations
}

export interface OpenStoreParameters {
  /** A SQLite file (`:memory:` for a throw-away store) … */
  path?: string | undefined
  /** … or a PostgreSQL URL (`postgres://user:password@host:port/database`), which wins when both are given. */
  url?: string | undefined
}

/**
 * Opens the store and brings its schema up to date. SQLite: the file is created if needed, in WAL mode with
 * synchronous=FULL, so a committed write survives a crash at any instant. PostgreSQL: a pool of connections
 * (its own durability: fsync and synchronous_commit, on by default); replicas may start together, the
 * migrator serialises them with an advisory lock.
 */
export async function openStore(params: OpenStoreParameters): Promise<Store> {
  const { db, dialect, where } =
    params.url !== undefined ? openPostgres(params.url) : openSqlite(params.path ?? ':memory:')
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => createMigrations(dialect) },
  })
  const { error } = await migrator.migrateToLatest()
  if (error !== undefined) {
    await db.destroy()
    throw migrationError(where, error)
  }
  const store = buildStore(db, dialect)
  const probe = await store.probeWrite()
  if (probe !== undefined) {
    await db.destroy()
    throw unwritable(where, new Error(probe))
  }
  return store
}

function openSqlite(path: string) {
  if (path !== ':memory:')
    try {
      mkdirSync(dirname(path), { recursive: true })
    } catch (cause) {
      throw unwritable(path, cause)
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
    throw unwritable(path, cause)
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) })
  return { db, dialect: 'sqlite' as const, where: path }
}

/**
 * The connection Kysely sees, with prepared statements kept by their SQL (the most recent 256): Kysely
 * prepares every query it runs, and preparing costs more than running on the hot paths (a result, an
 * assignment). Statements run one at a time (better-sqlite3 is synchronous), so sharing one is safe.
 */
function withStatementCache(sqlite: SQLite.Database): SQLite.Database {
  const statements = new Map<string, SQLite.Statement>()
  const prepare = (source: string) => {
    let statement = statements.get(source)
    if (statement === undefined) {
      statement = sqlite.prepare(source)
      if (statements.size >= 256) statements.delete(statements.keys().next().value as string)
    } else statements.delete(source)
    statements.set(source, statement)
    return statement
  }
  return new Proxy(sqlite, {
    get(target, property) {
      if (property === 'prepare') return prepare
      const value = Reflect.get(target, property, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

/** A transaction idle this long (PostgreSQL) is a stalled process's: the server ends it. */
const STALLED_TRANSACTION_MS = 5000

/** 64-bit integers (bigint columns, COUNT, SUM) come back as numbers: every one the store holds is < 2^53. */
const PG_TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8 || oid === pg.types.builtins.NUMERIC) return Number
    return format === undefined ? pg.types.getTypeParser(oid) : pg.types.getTypeParser(oid, format)
  },
} as pg.CustomTypesConfig

function openPostgres(url: string) {
  let where: string
  try {
    const parsed = new URL(url)
    if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') throw new Error('not postgres')
    where = `postgres://${parsed.host}${parsed.pathname}` // no user or password in messages
  } catch (cause) {
    throw new ApiaryError('APIARY_STORE_UNOPENABLE', 'the database URL is not a postgres:// URL', {
      cause,
      usage: true,
      hints: ['give --database postgres://user:password@host:5432/database'],
    })
  }
  const pool = new pg.Pool({
    connectionString: url,
    types: PG_TYPES,
    max: 10,
    connectionTimeoutMillis: 10_000,
    // The store's transactions hold only database work: one left open this long belongs to a process that
    // stalled (paused, cut off). The server ends it, rolling it back and releasing its locks — the leader
    // lease's row among them — so a standby is never kept waiting by a leader that stopped mid-transaction.
    idle_in_transaction_session_timeout: STALLED_TRANSACTION_MS,
  })
  // A connection the server ends (a restart, a failover, a stalled transaction ended) is an error event: on
  // the pool for an idle one (the pool replaces it), on the client for one in use (its query fails with the
  // error). Unhandled, either would end the process.
  pool.on('error', () => {})
  pool.on('connect', (client) => client.on('error', () => {}))
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  return { db, dialect: 'postgres' as const, where }
}

function unwritable(where: string, cause: unknown) {
  return new ApiaryError('APIARY_STORE_UNWRITABLE', `the store ${where} is not writable`, {
    cause,
    hints: [
      'give a --datadir this user can write to (on a file system mounted read-write), or a --database it can write',
    ],
  })
}

function migrationError(where: string, cause: unknown) {
  const code = (cause as { code?: string }).code
  // PostgreSQL refusing the connection or the login: a usage problem, not a broken schema.
  if (code === 'ECONNREFUSED' || code === '28P01' || code === '3D000' || code === 'ENOTFOUND')
    return new ApiaryError('APIARY_STORE_UNOPENABLE', `cannot open the database ${where}`, {
      cause,
      usage: true,
      hints: ['check that PostgreSQL runs there and that the URL names a database and a user that exist'],
    })
  return new ApiaryError('APIARY_STORE_MIGRATION_FAILED', `cannot bring ${where} up to date`, { cause })
}
