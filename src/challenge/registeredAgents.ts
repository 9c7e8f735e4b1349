import type { Address, PublicClient } from 'viem'
import { AgentRegistry, SwarmChallenge } from '../chain/contracts.generated.ts'

export interface RegisteredAgent {
  agentId: bigint
  /** Its operating wallet, lower case. */
  wallet: Address
}

/**
 * The `limit` most recently registered agents of a SwarmChallenge's registry that have an operating wallet (all
 * when no limit; at most 256, what a challenge can invite), newest first, one per wallet; agents whose wallet is
 * in `exclude` (the creator's own, when its swarm is registered as an agent) are skipped. Reads the standard's
 * `getAgentWallet` and our `agentCount`.
 */
export async function registeredAgents(
  client: PublicClient,
  {
    contract,
    limit = 256,
    exclude = [],
  }: { contract: Address; limit?: number | undefined; exclude?: readonly Address[] },
): Promise<RegisteredAgent[]> {
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
  const agents: RegisteredAgent[] = []
  for (let agentId = count - 1n; agentId >= 0n && agents.length < Math.min(limit, 256); agentId--) {
    const wallet = (
      await client.readContract({
        address: registry,
        abi: AgentRegistry.abi,
        functionName: 'getAgentWallet',
        args: [agentId],
      })
    ).toLowerCase() as Address
    if (BigInt(wallet) === 0n || skip.has(wallet) || agents.some((a) => a.wallet === wallet)) continue
    agents.push({ agentId, wallet })
  }
  return agents
}
