import type { Address, Hex, PublicClient } from 'viem'
import { AgentRegistry } from '../chain/index.ts'
import { MESSAGING_KEY } from './envelope.ts'
import { checkMessagingKey } from './messagingKey.ts'

export interface ListedAgent {
  agentId: bigint
  owner: Address
  /** The operating wallet: where its messages go (undefined when cleared). */
  wallet: Address | undefined
  uri: string
  /** The verified key encrypted messages use; undefined when it accepts only plain ones. */
  messagingKey: Hex | undefined
  /** Why not, when messagingKey is undefined. */
  reason: string | undefined
}

/** Every agent of an AgentRegistry, in id order, with its wallet and whether it accepts encrypted messages. */
export async function listAgents({
  client,
  registry,
}: {
  client: PublicClient
  registry: Address
}): Promise<ListedAgent[]> {
  const read = <T>(functionName: string, args: unknown[]) =>
    client.readContract({
      address: registry,
      abi: AgentRegistry.abi,
      functionName,
      args,
    } as never) as Promise<T>
  const count = await read<bigint>('agentCount', [])
  const agents: ListedAgent[] = []
  const ids = Array.from({ length: Number(count) }, (_, i) => BigInt(i))
  for (let i = 0; i < ids.length; i += 16) {
    const batch = await Promise.all(
      ids.slice(i, i + 16).map(async (agentId): Promise<ListedAgent | undefined> => {
        const owner = await read<Address>('ownerOf', [agentId]).catch(() => undefined)
        if (owner === undefined) return undefined // burned
        const [wallet, uri, value] = await Promise.all([
          read<Address>('getAgentWallet', [agentId]),
          read<string>('tokenURI', [agentId]),
          read<Hex>('getMetadata', [agentId, MESSAGING_KEY]),
        ])
        const operating = /^0x0{40}$/.test(wallet) ? undefined : (wallet.toLowerCase() as Address)
        const key =
          operating === undefined
            ? { publicKey: undefined, reason: 'no operating wallet' }
            : checkMessagingKey(value, operating)
        return {
          agentId,
          owner: owner.toLowerCase() as Address,
          wallet: operating,
          uri,
          messagingKey: key.publicKey,
          reason: key.reason,
        }
      }),
    )
    for (const agent of batch) if (agent !== undefined) agents.push(agent)
  }
  return agents
}
