import type { Insertable, Kysely, Selectable } from 'kysely'
import type { Database, SealRow, SealsTable } from './schema.ts'

/** An epochs row with its seal's columns (`s_…`, null while unsealed), as the epoch API lists it. */
export type EpochWithSeal = Pick<
  Selectable<Database['epochs']>,
  'number' | 'started_at' | 'closed_at' | 'start_block' | 'end_block'
> & { [K in keyof SealRow as `s_${K}`]: SealRow[K] | null }

/** Seals: the commit point of a sealed bundle, its pinning and its anchor's state. */
export function createSealStore(db: Kysely<Database>) {
  const withSeal = () =>
    db
      .selectFrom('epochs as e')
      .leftJoin('seals as s', 's.epoch', 'e.number')
      .select([
        'e.number',
        'e.started_at',
        'e.closed_at',
        'e.start_block',
        'e.end_block',
        's.epoch as s_epoch',
        's.dir as s_dir',
        's.cid as s_cid',
        's.job_root as s_job_root',
        's.payout_root as s_payout_root',
        's.jobs as s_jobs',
        's.model as s_model',
        's.distributed_wei as s_distributed_wei',
        's.signer as s_signer',
        's.sealed_at as s_sealed_at',
        's.anchor as s_anchor',
        's.registry as s_registry',
        's.anchor_tx_hash as s_anchor_tx_hash',
        's.anchor_nonce as s_anchor_nonce',
        's.anchor_raw_tx as s_anchor_raw_tx',
        's.anchor_block as s_anchor_block',
        's.attempts as s_attempts',
        's.last_error as s_last_error',
        's.pinned_at as s_pinned_at',
      ])
  return {
    async get(epoch: number): Promise<SealRow | undefined> {
      return db.selectFrom('seals').selectAll().where('epoch', '=', epoch).executeTakeFirst()
    },

    /** Records a seal with its bundle's files (the commit point: both or neither). Run it in a transaction. */
    async add(row: Insertable<SealsTable>, files: Readonly<Record<string, Uint8Array>>): Promise<void> {
      await db.insertInto('seals').values(row).execute()
      for (const [name, bytes] of Object.entries(files))
        await db.insertInto('bundle_files').values({ epoch: row.epoch, name, bytes }).execute()
    },

    /** A sealed epoch's files as stored with its seal (empty for a seal made before they were stored). */
    async files(epoch: number, names: readonly string[]): Promise<Record<string, Uint8Array>> {
      if (names.length === 0) return {}
      const rows = await db
        .selectFrom('bundle_files')
        .select(['name', 'bytes'])
        .where('epoch', '=', epoch)
        .where('name', 'in', names)
        .execute()
      return Object.fromEntries(rows.map((r) => [r.name, r.bytes]))
    },

    /** The oldest closed epoch without a seal. */
    async nextUnsealed(): Promise<number | undefined> {
      const row = await db
        .selectFrom('epochs')
        .select('number')
        .where('closed_at', 'is not', null)
        .where('number', 'not in', (eb) => eb.selectFrom('seals').select('epoch'))
        .orderBy('number')
        .limit(1)
        .executeTakeFirst()
      return row?.number
    },

    async nextUnpinned(): Promise<SealRow | undefined> {
      return db
        .selectFrom('seals')
        .selectAll()
        .where('pinned_at', 'is', null)
        .orderBy('epoch')
        .limit(1)
        .executeTakeFirst()
    },

    async pinned(epoch: number, at: number): Promise<void> {
      await db.updateTable('seals').set({ pinned_at: at }).where('epoch', '=', epoch).execute()
    },

    async count(): Promise<number> {
      const row = await db
        .selectFrom('seals')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
      return Number(row.n)
    },

    async last() {
      return db
        .selectFrom('seals')
        .select(['epoch', 'cid', 'jobs'])
        .orderBy('epoch', 'desc')
        .limit(1)
        .executeTakeFirst()
    },

    /** Every seal, oldest first (the bundles' index.json). */
    async all() {
      return db
        .selectFrom('seals')
        .select(['dir', 'cid', 'job_root', 'payout_root', 'sealed_at', 'jobs'])
        .orderBy('epoch')
        .execute()
    },

    /** The oldest seal owed an anchor or being sent one. */
    async nextUnanchored(): Promise<SealRow | undefined> {
      return db
        .selectFrom('seals')
        .selectAll()
        .where('anchor', 'in', ['owed', 'sending'])
        .orderBy('epoch')
        .limit(1)
        .executeTakeFirst()
    },

    async unanchoredCount(): Promise<number> {
      const row = await db
        .selectFrom('seals')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('anchor', 'in', ['owed', 'sending'])
        .executeTakeFirstOrThrow()
      return Number(row.n)
    },

    /** A `seal` transaction is stored in the outbox (with this write) before it is broadcast. */
    async anchorSending(epoch: number, txHash: string): Promise<void> {
      await db
        .updateTable('seals')
        .set((eb) => ({
          anchor: 'sending',
          anchor_raw_tx: null,
          anchor_tx_hash: txHash,
          anchor_nonce: null,
          attempts: eb('attempts', '+', 1),
          last_error: null,
        }))
        .where('epoch', '=', epoch)
        .execute()
    },

    async anchorOwed(epoch: number, error: string): Promise<void> {
      await db
        .updateTable('seals')
        .set({
          anchor: 'owed',
          anchor_raw_tx: null,
          anchor_tx_hash: null,
          anchor_nonce: null,
          last_error: error,
        })
        .where('epoch', '=', epoch)
        .execute()
    },

    async anchorFailed(epoch: number, error: string): Promise<void> {
      await db
        .updateTable('seals')
        .set((eb) => ({ last_error: error, attempts: eb('attempts', '+', 1) }))
        .where('epoch', '=', epoch)
        .execute()
    },

    async anchored(epoch: number, tx: { hash: string; block: number }): Promise<void> {
      await db
        .updateTable('seals')
        .set({
          anchor: 'anchored',
          anchor_tx_hash: tx.hash,
          anchor_block: tx.block,
          anchor_raw_tx: null,
          last_error: null,
        })
        .where('epoch', '=', epoch)
        .execute()
    },

    async lastAnchored() {
      return db
        .selectFrom('seals')
        .select(['epoch', 'anchor_tx_hash', 'anchor_block'])
        .where('anchor', '=', 'anchored')
        .orderBy('epoch', 'desc')
        .limit(1)
        .executeTakeFirst()
    },

    /** One epoch with its seal, if sealed. */
    async epoch(epoch: number): Promise<EpochWithSeal | undefined> {
      return withSeal().where('e.number', '=', epoch).executeTakeFirst()
    },

    /** Epochs before `before` with their seals, newest first. */
    async epochs(before: number, limit: number): Promise<EpochWithSeal[]> {
      return withSeal().where('e.number', '<', before).orderBy('e.number', 'desc').limit(limit).execute()
    },

    /** The newest sealed epoch. */
    async lastSealedEpoch(): Promise<EpochWithSeal | undefined> {
      return withSeal()
        .where('s.epoch', 'is not', null)
        .orderBy('e.number', 'desc')
        .limit(1)
        .executeTakeFirst()
    },
  }
}

export type SealStore = ReturnType<typeof createSealStore>
