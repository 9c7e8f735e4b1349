import { type Kysely, sql } from 'kysely'
import type { Migration } from 'kysely/migration'

/** Schema migrations, in order; a migration is never edited once it has shipped, only followed by another. */
export const MIGRATIONS: Record<string, Migration> = {
  '0001_agents': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('agents')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('level', 'integer', (c) => c.notNull())
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('max_in_flight', 'integer', (c) => c.notNull())
        .addColumn('payout_wallet', 'text', (c) => c.notNull())
        .addColumn('agent_version', 'text', (c) => c.notNull())
        .addColumn('session', 'integer', (c) => c.notNull())
        .addColumn('registered_at', 'integer', (c) => c.notNull())
        .addColumn('last_seen_at', 'integer', (c) => c.notNull())
        .addColumn('revoked', 'integer', (c) => c.notNull().defaultTo(sql`0`))
        .execute()
    },
  },
}
