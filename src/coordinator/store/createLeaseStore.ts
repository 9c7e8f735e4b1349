import { type Kysely, type RawBuilder, sql } from 'kysely'
import { ApiaryError } from '../../internal/errors.ts'
import type { StoreDialect } from './migrations.ts'
import type { Database } from './schema.ts'

/** What a holder knows of its lease: the fencing token of its current term. */
export interface LeaseTerm {
  name: string
  holder: string
  token: number
}

/**
 * Leases on the database's own clock (PostgreSQL's, so replicas on machines with different clocks agree;
 * SQLite is one process: its clock is the process's). Taking or renewing is one statement, so two replicas
 * never both hold a lease; `fence` inside a transaction refuses it once the term is over, and on
 * PostgreSQL keeps the lease row share-locked until the transaction ends, so a successor cannot take the
 * lease while a write fenced by the old term is still being made.
 */
export function createLeaseStore(db: Kysely<Database>, dialect: StoreDialect) {
  const now = (): RawBuilder<number> =>
    dialect === 'postgres'
      ? sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`
      : sql<number>`${Date.now()}`
  return {
    /**
     * Takes the lease, or renews it when `holder` holds it: returns the term's token, or undefined when
     * another holder's term has not ended. A lapsed lease taken again (by anyone) starts a new term.
     */
    async acquire(name: string, holder: string, ttlMs: number): Promise<number | undefined> {
      const expires = sql<number>`${now()} + ${ttlMs}`
      const row = await db
        .insertInto('leases')
        .values({ name, holder, token: 1, expires_at: expires })
        .onConflict((c) =>
          c
            .column('name')
            .doUpdateSet((eb) => ({
              holder,
              expires_at: expires,
              token: eb
                .case()
                .when(eb.and([eb('leases.holder', '=', holder), eb('leases.expires_at', '>', now())]))
                .then(eb.ref('leases.token'))
                .else(eb('leases.token', '+', 1))
                .end(),
            }))
            .where((eb) => eb.or([eb('leases.holder', '=', holder), eb('leases.expires_at', '<=', now())])),
        )
        .returning('token')
        .executeTakeFirst()
      return row === undefined ? undefined : Number(row.token)
    },

    /** Ends the term now (a clean stop), so a successor need not wait for it to lapse. */
    async release(term: LeaseTerm): Promise<void> {
      await db
        .updateTable('leases')
        .set({ expires_at: 0 })
        .where('name', '=', term.name)
        .where('holder', '=', term.holder)
        .where('token', '=', term.token)
        .execute()
    },

    /** The lease's holder and term as stored (the term may have lapsed). */
    async get(name: string): Promise<{ holder: string; token: number } | undefined> {
      const row = await db
        .selectFrom('leases')
        .select(['holder', 'token'])
        .where('name', '=', name)
        .executeTakeFirst()
      return row === undefined ? undefined : { holder: row.holder, token: Number(row.token) }
    },

    /** Refuses (APIARY_NOT_LEADER) unless `term` is still running. Call it first in a transaction. */
    async fence(term: LeaseTerm): Promise<void> {
      let query = db
        .selectFrom('leases')
        .select('token')
        .where('name', '=', term.name)
        .where('holder', '=', term.holder)
        .where('token', '=', term.token)
        .where('expires_at', '>', now())
      if (dialect === 'postgres') query = query.forShare()
      if ((await query.executeTakeFirst()) === undefined)
        throw new ApiaryError('APIARY_NOT_LEADER', `the ${term.name} lease of term ${term.token} is over`, {
          retryable: true,
        })
    },
  }
}

export type LeaseStore = ReturnType<typeof createLeaseStore>
