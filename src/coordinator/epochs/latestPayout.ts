import type { Store } from '../store/index.ts'

export interface Payout {
  epoch: number
  /** Wei the pool credited to this agent for the epoch. */
  amountWei: bigint
  rank: number
  /** Agents with weight above zero in the epoch. */
  agentsPaid: number
  txHash: string
}

/** Reads, for an agent, the newest settled epoch in which it had results, with what the pool credited it. */
export async function latestPayout(store: Store, agentId: string): Promise<Payout | undefined> {
  const row = await store.epochs.latestPayout(agentId)
  if (row === undefined) return undefined
  return {
    epoch: row.epoch,
    amountWei: BigInt(row.amount_wei),
    rank: row.rank,
    agentsPaid: row.paid,
    txHash: row.tx_hash ?? '',
  }
}
