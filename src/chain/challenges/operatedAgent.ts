import type { Address, PublicClient } from 'viem'
import { AgentRegistry } from '../contracts.generated.ts'

/** The agent `wallet` operates in an AgentRegistry (its `agentOf` extension), or undefined when none. */
export async function operatedAgent(
  client: PublicClient,
  { registry, wallet }: { registry: Address; wallet: Address },
): Promise<bigint | undefined> {
  const [operates, agentId] = await client.readContract({
    address: registry,
    abi: AgentRegistry.abi,
    functionName: 'agentOf',
    args: [wallet],
  })
  return operates ? agentId : undefined
}
