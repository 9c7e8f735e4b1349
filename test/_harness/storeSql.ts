import { CompiledQuery } from 'kysely'
import type { Store } from '../../src/coordinator/store/index.ts'

/**
 * Plain SQL on a store, for tests that set up or inspect rows the product writes through its operations
 * (`?` placeholders, numbered for PostgreSQL).
 */
export function storeSql(store: Pick<Store, 'db' | 'dialect'>) {
  const execute = (text: string, params: unknown[]) => {
    let n = 0
    const query = store.dialect === 'postgres' ? text.replace(/\?/g, () => `$${++n}`) : text
    return store.db.executeQuery(CompiledQuery.raw(query, params))
  }
  return {
    async get<T = Record<string, unknown>>(text: string, ...params: unknown[]): Promise<T | undefined> {
      return (await execute(text, params)).rows[0] as T | undefined
    },
    async all<T = Record<string, unknown>>(text: string, ...params: unknown[]): Promise<T[]> {
      return (await execute(text, params)).rows as T[]
    },
    async run(text: string, ...params: unknown[]): Promise<number> {
      return Number((await execute(text, params)).numAffectedRows ?? 0n)
    },
  }
}
