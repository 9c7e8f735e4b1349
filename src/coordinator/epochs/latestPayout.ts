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

/**
 * Reads, for an agent, the newest settled epoch in which it had results, with what the pool credited it
 * (asked on every heartbeat: the statement is prepared once).
 */
export function latestPayout(store: Store): (agentId: string) => Payout | undefined {
  const statement = store.sqlite.prepare<
    [string],
    { epoch: number; amount_wei: string; rank: number; tx_hash: string; paid: number }
  >(
    `SELECT e.number AS epoch, a.amount_wei, a.rank, e.tx_hash,
         (SELECT COUNT(*) FROM epoch_agents x WHERE x.epoch = e.number AND x.weight != '0') AS paid
       FROM epoch_agents a JOIN epochs e ON e.number = a.epoch
       WHERE a.agent_id = ? AND e.settlement = 'settled' ORDER BY e.number DESC LIMIT 1`,
  )
  return (agentId) => {
    const row = statement.get(agentId)
    if (row === undefined) return undefined
    return {
      epoch: row.epoch,
      amountWei: BigInt(row.amount_wei),
      rank: row.rank,
      agentsPaid: row.paid,
      txHash: row.tx_hash,
    }
  }
}
