import type { Address, PublicClient } from 'viem'
import { AgentRegistry, SwarmChallenge } from '../chain/contracts.generated.ts'

/**
 * The operating wallets of the `limit` most recently registered agents of a SwarmChallenge's registry (all
 * when no limit; at most 256, what a challenge can invite), newest first, each once; agents without a wallet
 * and the wallets in `exclude` (the creator's own, when its swarm is registered as an agent) are skipped.
 */
export async function registeredWallets(
  client: PublicClient,
  {
    contract,
    limit = 256,
    exclude = [],
  }: { contract: Address; limit?: number | undefined; exclude?: readonly Address[] },
): Promise<Address[]> {
  const skip = new Set(exclude.map((a) => a.toLowerCase()))
  const registry = await client.readContract({
    address: contract,
    abi: SwarmChallenge.abi,
    functionName: 'registry',
  })
  const count = await client.readContract({
    address: registry,
    abi: AgentRegistry.abi,
    functionName: 'agentCount',
  })
  const wallets: Address[] = []
  for (let id = count; id >= 1n && wallets.length < Math.min(limit, 256); id--) {
    const wallet = await client.readContract({
      address: registry,
      abi: AgentRegistry.abi,
      functionName: 'getAgentWallet',
      args: [id],
    })
    const lower = wallet.toLowerCase() as Address
    if (BigInt(wallet) === 0n || skip.has(lower) || wallets.includes(lower)) continue
    wallets.push(lower)
  }
  return wallets
}
