import { type ExpressionBuilder, type Insertable, type Kysely, type Selectable, sql } from 'kysely'
import type { Database, EpochAgentsTable, EpochsTable } from './schema.ts'

/** Results scored in an epoch, grouped by what decides their points (closeEpoch). */
export interface EpochWorkGroup {
  agent_id: string
  wallet: string
  source: string
  level: number
  matched: number
  /** 1: answered before the coordinator first saw the block (before its truth existed). */
  early: number
  /** 1: a canary built invalid. */
  invalid: number
  /** 0: a canary of another epoch's seed (not revealed in this epoch's bundle). */
  revealed: number
  n: number
}

/** Assignments whose deadline passed in an epoch, answered or not, per agent. */
export interface EpochExpiries {
  agent_id: string
  canaries: number
  canariesSkipped: number
  tasks: number
  tasksSkipped: number
}

/** An epochs row as listed (without the signed transaction and the seed), with its count of agents paid. */
export type EpochListing = Omit<Selectable<EpochsTable>, 'tx_nonce' | 'raw_tx' | 'canary_seed'> & {
  paid: number
}

/** An epoch owed a settlement (or being sent one). */
export type OwedEpoch = Pick<
  Selectable<EpochsTable>,
  'number' | 'end_block' | 'deposit_wei' | 'settlement' | 'tx_hash' | 'attempts'
>

/**
 * Epochs: opening and closing, agents' weights and pay, uptime, settlement state, and the reads of the
 * HTTP API and the sealer.
 */
export function createEpochStore(db: Kysely<Database>) {
  /** The agents an epoch (`e`) paid: those with weight. */
  const paidAgents = (eb: ExpressionBuilder<Database & { e: EpochsTable }, 'e'>) =>
    eb
      .selectFrom('epoch_agents as x')
      .select((x) => x.fn.countAll<number>().as('n'))
      .whereRef('x.epoch', '=', 'e.number')
      .where('x.weight', '!=', '0')
      .as('paid')
  const listing = () =>
    db
      .selectFrom('epochs as e')
      .select([
        'e.number',
        'e.started_at',
        'e.start_block',
        'e.closed_at',
        'e.end_block',
        'e.reward_wei',
        'e.delegate_cut_wei',
        'e.deposit_wei',
        'e.total_weight',
        'e.scored',
        'e.matched',
        'e.settlement',
        'e.tx_hash',
        'e.settled_block',
        'e.settled_at',
        'e.attempts',
        'e.last_error',
        paidAgents,
      ])
  const asListing = <T extends { paid: number | null }>(row: T) => ({ ...row, paid: Number(row.paid ?? 0) })

  return {
    /** The open epoch, if any. */
    async open() {
      return db
        .selectFrom('epochs')
        .select(['number', 'started_at', 'start_block', 'canary_seed'])
        .where('closed_at', 'is', null)
        .executeTakeFirst()
    },

    async lastNumber(): Promise<number> {
      const row = await db
        .selectFrom('epochs')
        .select((eb) => eb.fn.max('number').as('n'))
        .executeTakeFirst()
      return Number(row?.n ?? 0)
    },

    async add(row: Insertable<EpochsTable>): Promise<void> {
      await db.insertInto('epochs').values(row).execute()
    },

    /** Sets an open epoch's revenue (its subsidy plus the job fees of its close) and what follows from it. */
    async setReward(epoch: number, reward: { rewardWei: bigint; cutWei: bigint; depositWei: bigint }) {
      await db
        .updateTable('epochs')
        .set({
          reward_wei: reward.rewardWei.toString(),
          delegate_cut_wei: reward.cutWei.toString(),
          deposit_wei: reward.depositWei.toString(),
        })
        .where('number', '=', epoch)
        .execute()
    },

    async setStartBlock(epoch: number, block: number): Promise<void> {
      await db
        .updateTable('epochs')
        .set({ start_block: block })
        .where('number', '=', epoch)
        .where('start_block', 'is', null)
        .execute()
    },

    async get(epoch: number) {
      return db.selectFrom('epochs').selectAll().where('number', '=', epoch).executeTakeFirst()
    },

    async canarySeed(epoch: number): Promise<string | null> {
      const row = await db
        .selectFrom('epochs')
        .select('canary_seed')
        .where('number', '=', epoch)
        .executeTakeFirst()
      return row?.canary_seed ?? null
    },

    /** Results scored in [from, to), grouped by what decides their points; canaries revealed with `epoch`. */
    async workGroups(epoch: number, from: number, to: number): Promise<EpochWorkGroup[]> {
      const { rows } = await sql<EpochWorkGroup>`
        SELECT r.agent_id, a.payout_wallet AS wallet, i.source, r.level, r.matched,
               CASE WHEN i.absent_at IS NOT NULL AND r.received_at <= i.absent_at THEN 1 ELSE 0 END AS early,
               CASE WHEN i.source = 'canary' AND i.canary_invalid = 1 THEN 1 ELSE 0 END AS invalid,
               CASE WHEN i.source != 'canary' OR i.canary_epoch = ${epoch} THEN 1 ELSE 0 END AS revealed,
               COUNT(*) AS n
        FROM results r JOIN agents a ON a.id = r.agent_id JOIN inclusions i ON i.key = r.inclusion
        WHERE r.scored_at >= ${from} AND r.scored_at < ${to}
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8`.execute(db)
      return rows.map((r) => ({
        ...r,
        level: Number(r.level),
        matched: Number(r.matched),
        early: Number(r.early),
        invalid: Number(r.invalid),
        revealed: Number(r.revealed),
        n: Number(r.n),
      }))
    },

    /** Per agent, assignments made in [from, to) whose deadline passed before `to`: canaries and tasks, and how many went unanswered. */
    async expiries(from: number, to: number): Promise<EpochExpiries[]> {
      const { rows } = await sql<EpochExpiries>`
        SELECT a.agent_id,
               SUM(CASE WHEN i.source = 'canary' THEN 1 ELSE 0 END) AS "canaries",
               SUM(CASE WHEN i.source = 'canary' AND r.task_id IS NULL THEN 1 ELSE 0 END) AS "canariesSkipped",
               SUM(CASE WHEN i.source != 'canary' THEN 1 ELSE 0 END) AS "tasks",
               SUM(CASE WHEN i.source != 'canary' AND r.task_id IS NULL THEN 1 ELSE 0 END) AS "tasksSkipped"
        FROM assignments a JOIN inclusions i ON i.key = a.inclusion LEFT JOIN results r ON r.task_id = a.task_id
        WHERE a.assigned_at >= ${from} AND a.assigned_at < ${to} AND a.deadline < ${to}
        GROUP BY a.agent_id ORDER BY a.agent_id`.execute(db)
      return rows.map((r) => ({
        agent_id: r.agent_id,
        canaries: Number(r.canaries),
        canariesSkipped: Number(r.canariesSkipped),
        tasks: Number(r.tasks),
        tasksSkipped: Number(r.tasksSkipped),
      }))
    },

    async addAgents(rows: readonly Insertable<EpochAgentsTable>[]): Promise<void> {
      for (let i = 0; i < rows.length; i += 200)
        await db
          .insertInto('epoch_agents')
          .values(rows.slice(i, i + 200))
          .execute()
    },

    async close(
      epoch: number,
      closed: {
        at: number
        block: number | null
        totalWeight: string
        scored: number
        matched: number
        settlement: 'owed' | 'skipped' | 'carried'
      },
    ): Promise<void> {
      await db
        .updateTable('epochs')
        .set({
          closed_at: closed.at,
          end_block: closed.block,
          total_weight: closed.totalWeight,
          scored: closed.scored,
          matched: closed.matched,
          settlement: closed.settlement,
        })
        .where('number', '=', epoch)
        .execute()
    },

    /** An epoch's agents with their wallet and weight, by agent id. */
    async weights(epoch: number) {
      return db
        .selectFrom('epoch_agents')
        .select(['agent_id', 'wallet', 'weight'])
        .where('epoch', '=', epoch)
        .orderBy('agent_id')
        .execute()
    },

    async setAmount(epoch: number, agentId: string, amountWei: string): Promise<void> {
      await db
        .updateTable('epoch_agents')
        .set({ amount_wei: amountWei })
        .where('epoch', '=', epoch)
        .where('agent_id', '=', agentId)
        .execute()
    },

    /**
     * Sets what an epoch's settlement deposits (the sealed bundle's distribution): an epoch that then
     * deposits nothing is `skipped`, unless its reward was carried to the next.
     */
    async setDeposit(epoch: number, depositWei: string): Promise<void> {
      await db.updateTable('epochs').set({ deposit_wei: depositWei }).where('number', '=', epoch).execute()
      if (depositWei === '0')
        await db
          .updateTable('epochs')
          .set({ settlement: 'skipped' })
          .where('number', '=', epoch)
          .where('settlement', '!=', 'carried')
          .execute()
    },

    /** The oldest epoch owed a settlement or being sent one. */
    async nextOwed(): Promise<OwedEpoch | undefined> {
      return db
        .selectFrom('epochs')
        .select(['number', 'end_block', 'deposit_wei', 'settlement', 'tx_hash', 'attempts'])
        .where('settlement', 'in', ['owed', 'sending'])
        .orderBy('number')
        .limit(1)
        .executeTakeFirst()
    },

    async owedCount(): Promise<number> {
      const row = await db
        .selectFrom('epochs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('settlement', 'in', ['owed', 'sending'])
        .executeTakeFirstOrThrow()
      return Number(row.n)
    },

    /** A settlement transaction is stored in the outbox (with this write) before it is broadcast. */
    async sending(epoch: number, txHash: string): Promise<void> {
      await db
        .updateTable('epochs')
        .set((eb) => ({
          settlement: 'sending',
          raw_tx: null,
          tx_hash: txHash,
          tx_nonce: null,
          attempts: eb('attempts', '+', 1),
          last_error: null,
        }))
        .where('number', '=', epoch)
        .execute()
    },

    /** The transaction sent is gone (replaced, dropped): the epoch is owed again. */
    async owe(epoch: number, error: string | null): Promise<void> {
      await db
        .updateTable('epochs')
        .set({ settlement: 'owed', raw_tx: null, tx_hash: null, tx_nonce: null, last_error: error })
        .where('number', '=', epoch)
        .execute()
    },

    async settlementFailed(epoch: number, error: string): Promise<void> {
      await db
        .updateTable('epochs')
        .set((eb) => ({ last_error: error, attempts: eb('attempts', '+', 1) }))
        .where('number', '=', epoch)
        .execute()
    },

    /** The epoch is paid (its own settlement, or its anchor when the anchor pays: `onlyIfOwed`). */
    async settled(
      epoch: number,
      tx: { hash: string; block: number; at: number },
      { onlyIfOwed = false }: { onlyIfOwed?: boolean } = {},
    ): Promise<void> {
      let query = db
        .updateTable('epochs')
        .set({
          settlement: 'settled',
          tx_hash: tx.hash,
          settled_block: tx.block,
          settled_at: tx.at,
          ...(onlyIfOwed ? {} : { raw_tx: null, last_error: null }),
        })
        .where('number', '=', epoch)
      if (onlyIfOwed) query = query.where('settlement', 'in', ['owed', 'sending'])
      await query.execute()
    },

    async lastSettled() {
      return db
        .selectFrom('epochs')
        .select(['number', 'tx_hash', 'settled_block'])
        .where('settlement', '=', 'settled')
        .orderBy('number', 'desc')
        .limit(1)
        .executeTakeFirst()
    },

    /** An agent's newest settled epoch with what it was credited, and how many agents that epoch paid. */
    async latestPayout(agentId: string) {
      const row = await db
        .selectFrom('epoch_agents as a')
        .innerJoin('epochs as e', 'e.number', 'a.epoch')
        .select(['e.number as epoch', 'a.amount_wei', 'a.rank', 'e.tx_hash', paidAgents])
        .where('a.agent_id', '=', agentId)
        .where('e.settlement', '=', 'settled')
        .orderBy('e.number', 'desc')
        .limit(1)
        .executeTakeFirst()
      return row === undefined ? undefined : { ...row, paid: Number(row.paid ?? 0) }
    },

    /** One epoch as listed. */
    async listed(epoch: number): Promise<EpochListing | undefined> {
      const row = await listing().where('e.number', '=', epoch).executeTakeFirst()
      return row === undefined ? undefined : asListing(row)
    },

    /** Epochs before `before`, newest first. */
    async page(before: number, limit: number): Promise<EpochListing[]> {
      const rows = await listing()
        .where('e.number', '<', before)
        .orderBy('e.number', 'desc')
        .limit(limit)
        .execute()
      return rows.map(asListing)
    },

    /** An epoch's agents by rank (unranked last), then id. */
    async board(epoch: number) {
      return db
        .selectFrom('epoch_agents')
        .select(['agent_id', 'scored', 'matched', 'accuracy_bps', 'bonus', 'weight', 'rank', 'amount_wei'])
        .where('epoch', '=', epoch)
        .orderBy((eb) => eb.case().when('rank', '=', 0).then(1).else(0).end())
        .orderBy('rank')
        .orderBy('agent_id')
        .execute()
    },

    /** An agent's work and pay in every epoch, newest first. */
    async ofAgent(agentId: string) {
      const epochs = await listing()
        .innerJoin('epoch_agents as a', 'a.epoch', 'e.number')
        .select([
          'a.scored as a_scored',
          'a.matched as a_matched',
          'a.accuracy_bps',
          'a.bonus',
          'a.weight',
          'a.rank',
          'a.amount_wei',
        ])
        .where('a.agent_id', '=', agentId)
        .orderBy('e.number', 'desc')
        .execute()
      return epochs.map(asListing)
    },

    /** Canaries an agent skipped deliberately, over all epochs. */
    async skippedCanaries(agentId: string): Promise<number> {
      const row = await db
        .selectFrom('epoch_agents')
        .select((eb) => eb.fn.sum<number>('canaries_skipped').as('n'))
        .where('agent_id', '=', agentId)
        .executeTakeFirst()
      return Number(row?.n ?? 0)
    },

    /** Milliseconds each agent was connected in an epoch, with the wallet it is paid at. */
    async uptime(epoch: number) {
      return db
        .selectFrom('epoch_uptime as u')
        .innerJoin('agents as a', 'a.id', 'u.agent_id')
        .leftJoin('epoch_agents as ea', (j) =>
          j.onRef('ea.agent_id', '=', 'u.agent_id').on('ea.epoch', '=', epoch),
        )
        .select((eb) => ['u.agent_id', eb.fn.coalesce('ea.wallet', 'a.payout_wallet').as('wallet'), 'u.ms'])
        .where('u.epoch', '=', epoch)
        .orderBy('u.agent_id')
        .execute()
    },

    /** An epoch's agents that skipped canaries or are excluded (as of `closedAt`). */
    async flagged(epoch: number, closedAt: number) {
      const rows = await db
        .selectFrom('epoch_agents as ea')
        .innerJoin('agents as a', 'a.id', 'ea.agent_id')
        .select((eb) => [
          'ea.agent_id',
          'ea.wallet',
          'ea.canaries_skipped as skipped',
          eb
            .case()
            .when(eb.and([eb('a.excluded_at', 'is not', null), eb('a.excluded_at', '<', closedAt)]))
            .then(1)
            .else(0)
            .end()
            .as('excluded'),
        ])
        .where('ea.epoch', '=', epoch)
        .where((eb) => eb.or([eb('ea.canaries_skipped', '>', 0), eb('a.excluded_at', 'is not', null)]))
        .orderBy('ea.agent_id')
        .execute()
      return rows.map((r) => ({ ...r, excluded: Number(r.excluded) }))
    },

    /** Results scored in [from, to) with what their job records need, in bundle order. */
    async scoredWork(epoch: number, from: number, to: number) {
      return db
        .selectFrom('results as r')
        .innerJoin('inclusions as i', 'i.key', 'r.inclusion')
        .innerJoin('epoch_agents as ea', (j) =>
          j.onRef('ea.agent_id', '=', 'r.agent_id').on('ea.epoch', '=', epoch),
        )
        .leftJoin('assignments as a', 'a.task_id', 'r.task_id')
        .select([
          'r.task_id',
          'r.inclusion',
          'r.level',
          'r.agent_id',
          'r.received_at',
          'r.result',
          'r.matched',
          'a.assigned_at',
          'i.block_number',
          'i.tx_index',
          'i.tx_hash',
          'ea.wallet',
          'i.source',
          'i.seen_at',
          'i.absent_at',
        ])
        .where('r.scored_at', '>=', from)
        .where('r.scored_at', '<', to)
        .orderBy('i.block_number')
        .orderBy('i.tx_index')
        .orderBy('r.level')
        .orderBy('r.agent_id')
        .orderBy('r.task_id')
        .execute()
    },

    /**
     * The witnesses of the inclusions with results scored in [from, to), 2,000 at a time: memory holds their
     * keys and one page of witnesses, however many there are.
     */
    async *scoredWitnesses(from: number, to: number) {
      const keys = await db
        .selectFrom('results')
        .select('inclusion')
        .distinct()
        .where('scored_at', '>=', from)
        .where('scored_at', '<', to)
        .execute()
      for (let i = 0; i < keys.length; i += 2000)
        yield* await db
          .selectFrom('inclusions')
          .select(['key', 'witness'])
          .where(
            'key',
            'in',
            keys.slice(i, i + 2000).map((k) => k.inclusion),
          )
          .execute()
    },

    /** The canaries made from an epoch's seed, by transaction hash and key. */
    async canaries(epoch: number) {
      return db
        .selectFrom('inclusions')
        .select(['key', 'tx_hash', 'witness', 'truth', 'canary'])
        .where('source', '=', 'canary')
        .where('canary_epoch', '=', epoch)
        .orderBy('tx_hash')
        .orderBy('key')
        .execute()
    },
  }
}

export type EpochStore = ReturnType<typeof createEpochStore>
