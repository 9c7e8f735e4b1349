import type { Address, PublicClient } from 'viem'
import { AgentRegistry, SwarmChallenge } from '../chain/index.ts'
import { consentsTo, readConsent } from './consent.ts'

export interface RegisteredAgent {
  agentId: bigint
  /** Its operating wallet, lower case. */
  wallet: Address
}

/**
 * The `limit` most recently registered agents of a SwarmChallenge's registry that `creator` may invite (all
 * when no limit; at most 256, what a challenge can invite): with an operating wallet and the consent to
 * challenges from `creator` published in their entry; newest first, one per wallet; the creator's own wallet
 * (when its swarm is registered as an agent) is skipped. Reads the standard's `getAgentWallet` and `getMetadata`,
 * and our `agentCount`.
 */
export async function registeredAgents(
  client: PublicClient,
  { contract, creator, limit = 256 }: { contract: Address; creator: Address; limit?: number | undefined },
): Promise<RegisteredAgent[]> {
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
    if (BigInt(wallet) === 0n || wallet === creator.toLowerCase() || agents.some((a) => a.wallet === wallet))
      continue
    if (!consentsTo(await readConsent(client, { registry, agentId }), creator)) continue
    agents.push({ agentId, wallet })
  }
  return agents
}
