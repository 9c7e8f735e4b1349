import type { Insertable, Kysely } from 'kysely'
import type { NewInclusion } from './createWorkStore.ts'
import type { BlocksTable, Database, StateDiffsTable, TransactionsTable } from './schema.ts'

/** A transaction of the index, as written. */
export type NewTransaction = Insertable<TransactionsTable>

/** The chain index: blocks followed (the cursor is the highest) and their transactions by address. */
export function createChainStore(db: Kysely<Database>) {
  return {
    /** The highest block followed, if any. */
    async cursor(): Promise<number | undefined> {
      const row = await db
        .selectFrom('blocks')
        .select((eb) => eb.fn.max('number').as('n'))
        .executeTakeFirst()
      return row?.n ?? undefined
    },

    async blockHash(number: number): Promise<string | undefined> {
      return (await db.selectFrom('blocks').select('hash').where('number', '=', number).executeTakeFirst())
        ?.hash
    },

    /**
     * Takes in one block: its row, the inclusions of its transactions (those already stored are left as
     * they are) and its transactions in the index. Run it in a transaction.
     */
    async addBlock(
      block: Insertable<BlocksTable>,
      inclusions: readonly NewInclusion[],
      transactions: readonly NewTransaction[],
    ): Promise<void> {
      await db.insertInto('blocks').values(block).execute()
      for (let i = 0; i < inclusions.length; i += 200)
        await db
          .insertInto('inclusions')
          .values(inclusions.slice(i, i + 200))
          .onConflict((c) => c.column('key').doNothing())
          .execute()
      for (let i = 0; i < transactions.length; i += 500)
        await db
          .insertInto('transactions')
          .values(transactions.slice(i, i + 500))
          .onConflict((c) =>
            c.columns(['block_number', 'tx_index']).doUpdateSet((eb) => ({
              tx_hash: eb.ref('excluded.tx_hash'),
              sender: eb.ref('excluded.sender'),
              recipient: eb.ref('excluded.recipient'),
              value_wei: eb.ref('excluded.value_wei'),
              nonce: eb.ref('excluded.nonce'),
            })),
          )
          .execute()
    },

    /**
     * Keeps a followed block's state diff (a StreamStateDiffsResponse in protobuf bytes) and forgets those
     * more than `retain` blocks older. Run it in the block's transaction.
     */
    async addStateDiff(row: Insertable<StateDiffsTable>, retain: number): Promise<void> {
      await db.insertInto('state_diffs').values(row).execute()
      await db
        .deleteFrom('state_diffs')
        .where('number', '<=', row.number - retain)
        .execute()
    },

    /** Up to `limit` state diffs from block `from` on, in order. */
    async stateDiffs(from: number, limit: number) {
      return db
        .selectFrom('state_diffs')
        .selectAll()
        .where('number', '>=', from)
        .orderBy('number')
        .limit(limit)
        .execute()
    },

    /** The oldest and newest blocks whose state diff is kept (undefined: none). */
    async stateDiffRange(): Promise<{ oldest: number; newest: number } | undefined> {
      const row = await db
        .selectFrom('state_diffs')
        .select((eb) => [eb.fn.min('number').as('oldest'), eb.fn.max('number').as('newest')])
        .executeTakeFirst()
      return row?.oldest === null || row?.oldest === undefined
        ? undefined
        : { oldest: Number(row.oldest), newest: Number(row.newest) }
    },

    /** Forgets a block a reorg replaced, its transactions and its state diff. Run it in a transaction. */
    async unwind(number: number): Promise<void> {
      await db.deleteFrom('state_diffs').where('number', '>=', number).execute()
      await db.deleteFrom('blocks').where('number', '=', number).execute()
      await db.deleteFrom('transactions').where('block_number', '=', number).execute()
    },

    /** An address's transactions (sent or received) before a block, newest first. */
    async transactionsOf(address: string, before: number, limit: number) {
      return db
        .selectFrom('transactions')
        .selectAll()
        .where((eb) => eb.or([eb('sender', '=', address), eb('recipient', '=', address)]))
        .where('block_number', '<', before)
        .orderBy('block_number', 'desc')
        .orderBy('tx_index', 'desc')
        .limit(limit)
        .execute()
    },

    /** The first and last block indexed. */
    async indexed(): Promise<{ from: number | null; to: number | null }> {
      const row = await db
        .selectFrom('blocks')
        .select((eb) => [eb.fn.min('number').as('first'), eb.fn.max('number').as('last')])
        .executeTakeFirst()
      return { from: row?.first ?? null, to: row?.last ?? null }
    },
  }
}

export type ChainStore = ReturnType<typeof createChainStore>
