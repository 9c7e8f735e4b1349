import type { Address, PublicClient } from 'viem'
import { AgentRegistry, SwarmChallenge } from '../chain/contracts.generated.ts'

/**
 * The operating wallets of the `limit` most recently registered agents of a SwarmChallenge's registry (all
 * when no limit; at most 256, what a challenge can invite), newest first; agents without a wallet are skipped.
 */
export async function registeredWallets(
  client: PublicClient,
  { contract, limit = 256 }: { contract: Address; limit?: number | undefined },
): Promise<Address[]> {
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
    if (BigInt(wallet) !== 0n) wallets.push(wallet.toLowerCase() as Address)
  }
  return wallets
}
