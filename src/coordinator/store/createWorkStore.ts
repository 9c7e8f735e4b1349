import { type Insertable, type Kysely, sql } from 'kysely'
import type { AssignmentsTable, Database, InclusionsTable, ResultsTable } from './schema.ts'

/** Most rows in one INSERT (SQLite allows 32,766 parameters, PostgreSQL 65,535). */
const CHUNK = 500

/** Rows as written. */
export type NewInclusion = Insertable<InclusionsTable>
export type NewAssignment = Insertable<AssignmentsTable>
export type NewResult = Insertable<ResultsTable>

export interface WorkTotals {
  dispatched: number
  answered: number
  rejected: number
  scored: number
  matched: number
}

/**
 * Work: inclusions (the unit of work and its chain truth), assignments (every task sent), results (every
 * answer accepted, and its score) and rejections (answers refused, counted).
 */
export function createWorkStore(db: Kysely<Database>) {
  const inChunks = async <T>(rows: readonly T[], insert: (chunk: T[]) => Promise<unknown>) => {
    for (let i = 0; i < rows.length; i += CHUNK) await insert(rows.slice(i, i + CHUNK))
  }
  return {
    /** Stores inclusions; one whose key is already stored is left as it is. Returns the keys added. */
    async addInclusions(rows: readonly NewInclusion[]): Promise<Set<string>> {
      const added = new Set<string>()
      await inChunks(rows, async (chunk) => {
        const inserted = await db
          .insertInto('inclusions')
          .values(chunk)
          .onConflict((c) => c.column('key').doNothing())
          .returning('key')
          .execute()
        for (const row of inserted) added.add(row.key)
      })
      return added
    },

    async hasInclusion(key: string): Promise<boolean> {
      return (
        (await db.selectFrom('inclusions').select('key').where('key', '=', key).executeTakeFirst()) !==
        undefined
      )
    },

    async witness(key: string): Promise<Uint8Array | undefined> {
      return (await db.selectFrom('inclusions').select('witness').where('key', '=', key).executeTakeFirst())
        ?.witness
    },

    async truth(key: string): Promise<{ truth: string | null; state: InclusionsTable['state'] } | undefined> {
      return db.selectFrom('inclusions').select(['truth', 'state']).where('key', '=', key).executeTakeFirst()
    },

    /** Sets a pending inclusion's final state (and truth); false when it was not pending. */
    async settle(key: string, state: 'final' | 'orphaned' | 'void', truth: string | null): Promise<boolean> {
      const result = await db
        .updateTable('inclusions')
        .set({ state, truth })
        .where('key', '=', key)
        .where('state', '=', 'pending')
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },

    /**
     * A transaction pre-executed while pending landed in a block: its inclusion takes the block's place.
     * False when it was not waiting to land.
     */
    async land(
      txHash: string,
      place: {
        blockNumber: number
        blockHash: string
        txIndex: number
        seenAt: number
        absentAt: number | null
      },
    ): Promise<boolean> {
      const result = await db
        .updateTable('inclusions')
        .set({
          block_number: place.blockNumber,
          block_hash: place.blockHash,
          tx_index: place.txIndex,
          seen_at: place.seenAt,
          absent_at: place.absentAt,
        })
        .where('key', '=', `pending:${txHash.toLowerCase()}`)
        .where('state', '=', 'pending')
        .where('block_hash', '=', '')
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },

    /** Pending transactions seen at or before `block` that never landed. */
    async unlanded(block: number): Promise<string[]> {
      const rows = await db
        .selectFrom('inclusions')
        .select('key')
        .where('source', '=', 'pending')
        .where('state', '=', 'pending')
        .where('block_hash', '=', '')
        .where('block_number', '<=', block)
        .execute()
      return rows.map((r) => r.key)
    },

    /** Mined inclusions still pending in blocks up to `block` (final once that deep), oldest first. */
    async due(block: number, limit: number) {
      return db
        .selectFrom('inclusions')
        .select(['key', 'tx_hash', 'block_hash', 'predicted'])
        .where('state', '=', 'pending')
        .where('source', 'in', ['chain', 'pending'])
        .where('block_hash', '!=', '')
        .where('block_number', '<=', block)
        .orderBy('block_number')
        .limit(limit)
        .execute()
    },

    /** Pending inclusions of a block (a reorg orphans them). */
    async pendingIn(blockHash: string): Promise<string[]> {
      const rows = await db
        .selectFrom('inclusions')
        .select('key')
        .where('block_hash', '=', blockHash)
        .where('state', '=', 'pending')
        .execute()
      return rows.map((r) => r.key)
    },

    /** Inclusions created since `since` that may still need answers, with the results stored for each. */
    async unfinished(since: number) {
      return db
        .selectFrom('inclusions as i')
        .leftJoin('results as r', 'r.inclusion', 'i.key')
        .select(['i.key', 'r.level', 'r.agent_id'])
        .where('i.state', 'not in', ['orphaned', 'void'])
        .where('i.created_at', '>=', since)
        .orderBy('i.created_at')
        .orderBy('i.key')
        .execute()
    },

    async addAssignments(rows: readonly NewAssignment[]): Promise<void> {
      await inChunks(rows, (chunk) => db.insertInto('assignments').values(chunk).execute())
    },

    async addResults(rows: readonly NewResult[]): Promise<void> {
      await inChunks(rows, (chunk) => db.insertInto('results').values(chunk).execute())
    },

    /** Results of an inclusion not scored yet. */
    async unscored(inclusion: string) {
      return db
        .selectFrom('results')
        .select(['task_id', 'level', 'agent_id', 'result'])
        .where('inclusion', '=', inclusion)
        .where('scored_at', 'is', null)
        .execute()
    },

    async score(
      taskId: string,
      score: { at: number; fields: string; matched: boolean; mismatches: string },
    ): Promise<void> {
      await db
        .updateTable('results')
        .set({
          scored_at: score.at,
          scored_fields: score.fields,
          matched: score.matched ? 1 : 0,
          mismatches: score.mismatches,
        })
        .where('task_id', '=', taskId)
        .execute()
    },

    /** Counts refused answers by agent and reason code. */
    async reject(agentId: string, codes: readonly string[]): Promise<void> {
      for (const code of codes)
        await db
          .insertInto('rejections')
          .values({ agent_id: agentId, code, count: 1 })
          .onConflict((c) =>
            c.columns(['agent_id', 'code']).doUpdateSet((eb) => ({ count: eb('rejections.count', '+', 1) })),
          )
          .execute()
    },

    async totals(): Promise<WorkTotals> {
      const count = (table: 'assignments' | 'results') =>
        db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n'))
      const [dispatched, answered, scored, matched, rejected] = await Promise.all([
        count('assignments').executeTakeFirstOrThrow(),
        count('results').executeTakeFirstOrThrow(),
        count('results').where('scored_at', 'is not', null).executeTakeFirstOrThrow(),
        count('results').where('matched', '=', 1).executeTakeFirstOrThrow(),
        db
          .selectFrom('rejections')
          .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('count'), sql<number>`0`).as('n'))
          .executeTakeFirstOrThrow(),
      ])
      return {
        dispatched: Number(dispatched.n),
        answered: Number(answered.n),
        scored: Number(scored.n),
        matched: Number(matched.n),
        rejected: Number(rejected.n),
      }
    },

    /** Canary answers scored, right and wrong. */
    async canaryTotals(): Promise<{ answersPassed: number; answersFailed: number }> {
      const rows = await db
        .selectFrom('results as r')
        .innerJoin('inclusions as i', 'i.key', 'r.inclusion')
        .select(['r.matched', (eb) => eb.fn.countAll<number>().as('n')])
        .where('i.source', '=', 'canary')
        .where('r.matched', 'is not', null)
        .groupBy('r.matched')
        .execute()
      const of = (matched: number) => Number(rows.find((r) => r.matched === matched)?.n ?? 0)
      return { answersPassed: of(1), answersFailed: of(0) }
    },

    /** Scored results grouped by agent, level and fields (what the accuracy counters start from). */
    async scoredGroups() {
      const rows = await db
        .selectFrom('results')
        .select([
          'agent_id',
          'level',
          'scored_fields',
          'mismatches',
          (eb) => eb.fn.countAll<number>().as('n'),
        ])
        .where('scored_at', 'is not', null)
        .groupBy(['agent_id', 'level', 'scored_fields', 'mismatches'])
        .execute()
      return rows.map((r) => ({
        agentId: r.agent_id,
        level: r.level,
        fields: r.scored_fields ?? '',
        mismatches: r.mismatches ?? '',
        n: Number(r.n),
      }))
    },

    /** A task as assigned, with its inclusion's place and state, and its result if one was accepted. */
    async task(taskId: string) {
      const task = await db
        .selectFrom('assignments')
        .innerJoin('inclusions', 'inclusions.key', 'assignments.inclusion')
        .select([
          'task_id',
          'agent_id',
          'level',
          'assigned_at',
          'deadline',
          'inclusion',
          'tx_hash',
          'block_number',
          'block_hash',
          'inclusions.state',
        ])
        .where('task_id', '=', taskId)
        .executeTakeFirst()
      if (task === undefined) return undefined
      const result = await db
        .selectFrom('results')
        .selectAll()
        .where('task_id', '=', taskId)
        .executeTakeFirst()
      return { task, result }
    },

    /** An agent's wrong canary answers. */
    async wrongCanaries(agentId: string): Promise<number> {
      const row = await db
        .selectFrom('results as r')
        .innerJoin('inclusions as i', 'i.key', 'r.inclusion')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('r.agent_id', '=', agentId)
        .where('r.matched', '=', 0)
        .where('i.source', '=', 'canary')
        .executeTakeFirstOrThrow()
      return Number(row.n)
    },
  }
}

export type WorkStore = ReturnType<typeof createWorkStore>
