import type { Kysely, Selectable } from 'kysely'
import type { Database, FeePaymentsTable } from './schema.ts'

export type FeePaymentRow = Selectable<FeePaymentsTable>

/** The fees of paid epochs sent to the operator's and the protocol's recipients. */
export function createFeeStore(db: Kysely<Database>) {
  return {
    /**
     * Paid epochs from `from` on whose `kind` fee is not sent yet, oldest first: F1 epochs once settled
     * (with their delegate cut), Merkle epochs once their seal is anchored.
     */
    async unpaid(
      kind: 'operator' | 'protocol',
      model: 'f1' | 'pools',
      from: number,
    ): Promise<{ epoch: number; cut: string }[]> {
      const paid = db.selectFrom('fee_payments').select('epoch').where('kind', '=', kind)
      if (model === 'f1')
        return db
          .selectFrom('epochs')
          .select(['number as epoch', 'delegate_cut_wei as cut'])
          .where('settlement', '=', 'settled')
          .where('number', '>=', from)
          .where('number', 'not in', paid)
          .orderBy('number')
          .limit(16)
          .execute()
      return db
        .selectFrom('seals')
        .innerJoin('epochs', 'epochs.number', 'seals.epoch')
        .select(['seals.epoch as epoch', 'epochs.delegate_cut_wei as cut'])
        .where('seals.anchor', '=', 'anchored')
        .where('seals.epoch', '>=', from)
        .where('seals.epoch', 'not in', paid)
        .orderBy('seals.epoch')
        .limit(16)
        .execute()
    },

    async paid(row: FeePaymentRow): Promise<void> {
      await db
        .insertInto('fee_payments')
        .values(row)
        .onConflict((c) => c.columns(['epoch', 'kind']).doNothing())
        .execute()
    },

    async all(): Promise<FeePaymentRow[]> {
      return db.selectFrom('fee_payments').selectAll().orderBy('epoch').orderBy('kind').execute()
    },
  }
}

export type FeeStore = ReturnType<typeof createFeeStore>
