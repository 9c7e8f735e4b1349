import type { Kysely } from 'kysely'
import type { Database } from './schema.ts'

/** Facts about the store itself (the chain it follows, the contracts it is bound to, the block clock). */
export function createMetaStore(db: Kysely<Database>) {
  return {
    async get(key: string): Promise<string | undefined> {
      return (await db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst())?.value
    },

    async set(key: string, value: string): Promise<void> {
      await db
        .insertInto('meta')
        .values({ key, value })
        .onConflict((c) => c.column('key').doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
        .execute()
    },

    /** Records `value` under `key` unless a value is there already; returns the value stored. */
    async bind(key: string, value: string): Promise<string> {
      await db
        .insertInto('meta')
        .values({ key, value })
        .onConflict((c) => c.column('key').doNothing())
        .execute()
      return (await db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirstOrThrow())
        .value
    },
  }
}

export type MetaStore = ReturnType<typeof createMetaStore>
