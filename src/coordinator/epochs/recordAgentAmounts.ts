import { splitDeposit } from '../../epoch/index.ts'
import type { StoreOperations } from '../store/index.ts'

/**
 * Writes each agent's amount of an epoch from what each payout wallet is paid (a settlement's credits, or
 * the sealed payouts): a wallet's amount is shared by its agents in proportion to weight, the rounding to the
 * first. Run it inside the caller's transaction.
 */
export async function recordAgentAmounts(
  store: StoreOperations,
  epoch: number,
  paid: ReadonlyMap<string, bigint>,
): Promise<void> {
  const rows = await store.epochs.weights(epoch)
  const byWallet = new Map<string, typeof rows>()
  for (const row of rows) byWallet.set(row.wallet, [...(byWallet.get(row.wallet) ?? []), row])
  for (const [wallet, agents] of byWallet) {
    const { credits, carried } = splitDeposit({
      weights: new Map(agents.map((a) => [a.agent_id, BigInt(a.weight)])),
      amount: paid.get(wallet) ?? 0n,
    })
    for (const [i, a] of agents.entries())
      await store.epochs.setAmount(
        epoch,
        a.agent_id,
        ((credits.get(a.agent_id) ?? 0n) + (i === 0 ? carried : 0n)).toString(),
      )
  }
}
