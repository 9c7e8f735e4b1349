import type { Account, Address, Chain, Hex, PublicClient, Transport, WalletClient } from 'viem'
import { AgentRegistry } from '../contracts.generated.ts'
import { sendCall } from '../sendCall.ts'

/**
 * Sets one metadata entry of an ERC-8004 agent (the standard's `setMetadata`, by its owner or an approved
 * wallet) unless it already holds `value`; returns the transaction, or undefined when nothing was sent.
 */
export async function setAgentMetadata({
  client,
  wallet,
  registry,
  agentId,
  key,
  value,
}: {
  client: PublicClient
  wallet: WalletClient<Transport, Chain, Account>
  registry: Address
  agentId: bigint
  key: string
  value: Hex
}): Promise<Hex | undefined> {
  const current = await client.readContract({
    address: registry,
    abi: AgentRegistry.abi,
    functionName: 'getMetadata',
    args: [agentId, key],
  })
  if (current.toLowerCase() === value.toLowerCase()) return undefined
  const receipt = await sendCall({
    client,
    wallet,
    address: registry,
    abi: AgentRegistry.abi,
    functionName: 'setMetadata',
    args: [agentId, key, value],
  })
  return receipt.transactionHash
}
