import type { Kysely, Selectable } from 'kysely'
import type { Database, JobResultsTable, JobState, JobsTable } from './schema.ts'

export type JobRow = Selectable<JobsTable>
export type JobResultRow = Selectable<JobResultsTable>

const OPEN: JobState[] = ['queued', 'running']

/** Client jobs and their agents' answers (docs/spec/jobs.md). */
export function createJobStore(db: Kysely<Database>) {
  return {
    async insert(row: JobRow): Promise<void> {
      await db.insertInto('jobs').values(row).execute()
    },

    async get(id: string): Promise<JobRow | undefined> {
      return db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst()
    },

    /** A client's jobs, newest first, created before `before` (ms) when given. */
    async list(client: string, { before, limit }: { before?: number | undefined; limit: number }) {
      let query = db.selectFrom('jobs').selectAll().where('client', '=', client)
      if (before !== undefined) query = query.where('created_at', '<', before)
      return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute()
    },

    /** Jobs queued or running, oldest first (what a new leader picks up). */
    async open(): Promise<JobRow[]> {
      return db.selectFrom('jobs').selectAll().where('state', 'in', OPEN).orderBy('created_at').execute()
    },

    /**
     * What a client's money is held by, per the asset: the max fees of its open jobs, and the fees of its
     * completed jobs (charged, not yet taken on-chain).
     */
    async holds(
      client: string,
      asset: 'coin' | 'token',
    ): Promise<{ reserved: bigint; charged: bigint; open: number }> {
      const rows = await db
        .selectFrom('jobs')
        .select(['state', 'max_fee', 'fee'])
        .where('client', '=', client)
        .where('asset', '=', asset)
        .where('state', 'in', [...OPEN, 'completed'])
        .execute()
      let reserved = 0n
      let charged = 0n
      let open = 0
      for (const row of rows) {
        if (row.state === 'completed') charged += BigInt(row.fee ?? '0')
        else {
          reserved += BigInt(row.max_fee)
          open++
        }
      }
      return { reserved, charged, open }
    },

    /**
     * Moves a job to a new state only from one of `from`: true when it moved. Every transition goes
     * through here, so a job is completed (charged) at most once whatever runs twice.
     */
    async transition(
      id: string,
      from: readonly JobState[],
      patch: Partial<Omit<JobRow, 'id' | 'client'>> & { state: JobState },
    ): Promise<boolean> {
      const result = await db
        .updateTable('jobs')
        .set(patch)
        .where('id', '=', id)
        .where('state', 'in', [...from])
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    /** Open jobs whose time is up at `now`. */
    async overdue(now: number): Promise<string[]> {
      const rows = await db
        .selectFrom('jobs')
        .select('id')
        .where('state', 'in', OPEN)
        .where('expires_at', '<=', now)
        .execute()
      return rows.map((r) => r.id)
    },

    /** Stores an agent's answer; false when that agent answered the job before. */
    async addResult(row: Omit<JobResultRow, 'matched'>): Promise<boolean> {
      const result = await db
        .insertInto('job_results')
        .values({ ...row, matched: null })
        .onConflict((c) => c.columns(['job_id', 'agent_id']).doNothing())
        .executeTakeFirst()
      return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1
    },

    async results(jobId: string): Promise<JobResultRow[]> {
      return db
        .selectFrom('job_results')
        .selectAll()
        .where('job_id', '=', jobId)
        .orderBy('received_at')
        .orderBy('agent_id')
        .execute()
    },

    /** Scores a decided job's answers: those with `agreed` as their output hash matched, the others not. */
    async score(jobId: string, agreed: string | undefined): Promise<void> {
      await db
        .updateTable('job_results')
        .set((eb) => ({
          matched: eb
            .case()
            .when('output_sha256', '=', agreed ?? '')
            .then(1)
            .else(0)
            .end(),
        }))
        .where('job_id', '=', jobId)
        .execute()
    },
  }
}

export type JobStore = ReturnType<typeof createJobStore>
