import type { Kysely, Selectable } from 'kysely'
import type {
  ChargeBatchesTable,
  Database,
  JobChargesTable,
  JobResultsTable,
  JobState,
  JobsTable,
} from './schema.ts'

export type JobRow = Selectable<JobsTable>
export type JobResultRow = Selectable<JobResultsTable>
export type JobChargeRow = Selectable<JobChargesTable>
export type ChargeBatchRow = Selectable<ChargeBatchesTable>

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
     * What a client's money is held by, per asset: the max fees of its open jobs, and the fees of its
     * completed jobs not taken by JobEscrow.charge as of block `seen` (the escrow's balance read at that block
     * still holds them).
     */
    async holds(
      client: string,
      asset: 'coin' | 'token',
      seen: number,
    ): Promise<{ reserved: bigint; charged: bigint; open: number }> {
      const rows = await db
        .selectFrom('jobs')
        .leftJoin('charge_batches', (join) =>
          join
            .onRef('charge_batches.epoch', '=', 'jobs.epoch')
            .onRef('charge_batches.asset', '=', 'jobs.asset'),
        )
        .select(['jobs.state', 'jobs.max_fee', 'jobs.fee'])
        .where('jobs.client', '=', client)
        .where('jobs.asset', '=', asset)
        .where('jobs.state', 'in', [...OPEN, 'completed'])
        .where((eb) =>
          eb.or([
            eb('charge_batches.state', 'is', null),
            eb('charge_batches.state', '!=', 'charged'),
            eb('charge_batches.block', '>', seen),
          ]),
        )
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
     * Closes an epoch's charges (in closeEpoch's transaction): the jobs completed before `before` and not in
     * an epoch yet join `epoch`; returns each client's total per asset, in (asset, client) order.
     */
    async closeEpoch(epoch: number, before: number): Promise<Omit<JobChargeRow, 'epoch'>[]> {
      await db
        .updateTable('jobs')
        .set({ epoch })
        .where('state', '=', 'completed')
        .where('epoch', 'is', null)
        .where('finished_at', '<', before)
        .execute()
      const rows = await db
        .selectFrom('jobs')
        .select(['client', 'asset', 'fee'])
        .where('epoch', '=', epoch)
        .where('state', '=', 'completed')
        .execute()
      const totals = new Map<string, Omit<JobChargeRow, 'epoch'>>()
      for (const row of rows) {
        const key = `${row.asset}:${row.client}`
        const total = totals.get(key) ?? { asset: row.asset, client: row.client, amount: '0', jobs: 0 }
        total.amount = (BigInt(total.amount) + BigInt(row.fee ?? '0')).toString()
        total.jobs++
        totals.set(key, total)
      }
      return [...totals.keys()].sort().map((key) => totals.get(key) as Omit<JobChargeRow, 'epoch'>)
    },

    async addCharges(
      charges: JobChargeRow[],
      batches: Omit<ChargeBatchRow, 'state' | 'tx_hash' | 'block'>[],
    ): Promise<void> {
      if (charges.length > 0) await db.insertInto('job_charges').values(charges).execute()
      if (batches.length > 0)
        await db
          .insertInto('charge_batches')
          .values(batches.map((b) => ({ ...b, state: 'owed' as const, tx_hash: null, block: null })))
          .execute()
    },

    /** Charges not yet taken on-chain, oldest epoch first. */
    async owedCharges(): Promise<ChargeBatchRow[]> {
      return db
        .selectFrom('charge_batches')
        .selectAll()
        .where('state', '=', 'owed')
        .orderBy('epoch')
        .orderBy('asset')
        .execute()
    },

    async charges(epoch: number, asset?: 'coin' | 'token'): Promise<JobChargeRow[]> {
      let query = db.selectFrom('job_charges').selectAll().where('epoch', '=', epoch)
      if (asset !== undefined) query = query.where('asset', '=', asset)
      return query.orderBy('asset').orderBy('client').execute()
    },

    async batches(epoch: number): Promise<ChargeBatchRow[]> {
      return db.selectFrom('charge_batches').selectAll().where('epoch', '=', epoch).orderBy('asset').execute()
    },

    async charged(
      epoch: number,
      asset: 'coin' | 'token',
      txHash: string | null,
      block: number,
    ): Promise<void> {
      await db
        .updateTable('charge_batches')
        .set({ state: 'charged', tx_hash: txHash, block })
        .where('epoch', '=', epoch)
        .where('asset', '=', asset)
        .execute()
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

    /**
     * The client jobs an epoch charged (completed, in id order) and the answers received until each was
     * decided, with the answering agent's payout wallet: what the epoch's bundle seals.
     */
    async sealable(epoch: number) {
      const jobs = await db
        .selectFrom('jobs')
        .select(['id', 'client', 'type', 'asset', 'fee', 'input', 'witness', 'output_sha256'])
        .select(['created_at', 'finished_at'])
        .where('epoch', '=', epoch)
        .where('state', '=', 'completed')
        .orderBy('id')
        .execute()
      const answers = await db
        .selectFrom('job_results as r')
        .innerJoin('jobs as j', 'j.id', 'r.job_id')
        .innerJoin('agents as a', 'a.id', 'r.agent_id')
        .select(['r.job_id', 'r.agent_id', 'r.output_sha256', 'r.execution_ms'])
        .select('a.payout_wallet as wallet')
        .where('j.epoch', '=', epoch)
        // Answers after the decision did not make it (and sealing again must give the same bytes).
        .whereRef('r.received_at', '<=', 'j.finished_at')
        .where('j.state', '=', 'completed')
        .orderBy('r.job_id')
        .orderBy('r.agent_id')
        .execute()
      return { jobs, answers }
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
