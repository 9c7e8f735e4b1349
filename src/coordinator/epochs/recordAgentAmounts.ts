import { splitDeposit } from '../../epoch/index.ts'
import type { Store } from '../store/index.ts'

/**
 * Writes each agent's amount of an epoch from what each payout wallet is paid (a settlement's credits, or
 * the sealed payouts): a wallet's amount is shared by its agents in proportion to weight, the rounding to the
 * first. Run it inside the caller's transaction.
 */
export function recordAgentAmounts(store: Store, epoch: number, paid: ReadonlyMap<string, bigint>): void {
  const rows = store.sqlite
    .prepare<[number], { agent_id: string; wallet: string; weight: string }>(
      'SELECT agent_id, wallet, weight FROM epoch_agents WHERE epoch = ? ORDER BY agent_id',
    )
    .all(epoch)
  const update = store.sqlite.prepare(
    'UPDATE epoch_agents SET amount_wei = ? WHERE epoch = ? AND agent_id = ?',
  )
  const byWallet = new Map<string, typeof rows>()
  for (const row of rows) byWallet.set(row.wallet, [...(byWallet.get(row.wallet) ?? []), row])
  for (const [wallet, agents] of byWallet) {
    const { credits, carried } = splitDeposit({
      weights: new Map(agents.map((a) => [a.agent_id, BigInt(a.weight)])),
      amount: paid.get(wallet) ?? 0n,
    })
    for (const [i, a] of agents.entries())
      update.run(((credits.get(a.agent_id) ?? 0n) + (i === 0 ? carried : 0n)).toString(), epoch, a.agent_id)
  }
}
