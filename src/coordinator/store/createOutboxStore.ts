import type { Kysely, Selectable } from 'kysely'
import type { Database, OutboxTable } from './schema.ts'

export type OutboxRow = Selectable<OutboxTable>

/** The outbox: each subject's transaction in flight, stored before it is broadcast. */
export function createOutboxStore(db: Kysely<Database>) {
  return {
    async get(key: string): Promise<OutboxRow | undefined> {
      return db.selectFrom('outbox').selectAll().where('key', '=', key).executeTakeFirst()
    },

    /** Stores a subject's new transaction (replacing a mined or replaced one). */
    async put(row: Omit<OutboxRow, 'state' | 'mined_block'>): Promise<void> {
      const values = { ...row, state: 'sending' as const, mined_block: null }
      await db
        .insertInto('outbox')
        .values(values)
        .onConflict((c) => c.column('key').doUpdateSet(values))
        .execute()
    },

    async mined(key: string, block: number): Promise<void> {
      await db
        .updateTable('outbox')
        .set({ state: 'mined', mined_block: block })
        .where('key', '=', key)
        .execute()
    },

    async replaced(key: string): Promise<void> {
      await db.updateTable('outbox').set({ state: 'replaced' }).where('key', '=', key).execute()
    },

    /** Transactions still in flight. */
    async sending(): Promise<OutboxRow[]> {
      return db
        .selectFrom('outbox')
        .selectAll()
        .where('state', '=', 'sending')
        .orderBy('created_at')
        .execute()
    },
  }
}

export type OutboxStore = ReturnType<typeof createOutboxStore>
