import {
  type Address,
  type Chain,
  createWalletClient,
  type Hex,
  type LocalAccount,
  type PublicClient,
  parseEventLogs,
} from 'viem'
import { AgentRegistry } from '../contracts.generated.ts'
import { rpcTransport } from '../rpcTransport.ts'
import { sendCall } from '../sendCall.ts'
import { operatedAgent } from './operatedAgent.ts'

export interface RegisterAgentParameters {
  client: PublicClient
  chain: Chain
  rpcUrl: string
  registry: Address
  /** The agent's operating wallet; it registers and owns the agent. */
  account: LocalAccount
  /** The registration file's URI; by default a data: URI naming the agent and its wallet. */
  uri?: string | undefined
  name?: string | undefined
  /** On-chain metadata entries to register with (ERC-8004's third `register`), such as challenge consent. */
  metadata?: readonly { metadataKey: string; metadataValue: Hex }[] | undefined
}

export interface RegisterAgentReturnType {
  agentId: bigint
  /** False when the wallet already operated an agent (nothing was sent). */
  registered: boolean
  txHash: Hex | undefined
  uri: string | undefined
}

/** Registers a wallet as an ERC-8004 agent in an AgentRegistry; a wallet already registered is left as it is. */
export async function registerAgent({
  client,
  chain,
  rpcUrl,
  registry,
  account,
  uri,
  name,
  metadata,
}: RegisterAgentParameters): Promise<RegisterAgentReturnType> {
  const abi = AgentRegistry.abi
  const existing = await operatedAgent(client, { registry, wallet: account.address })
  if (existing !== undefined)
    return { agentId: existing, registered: false, txHash: undefined, uri: undefined }
  const agentURI = uri ?? registrationDataUri(name ?? account.address, account.address)
  const wallet = createWalletClient({ account, chain, transport: rpcTransport(rpcUrl) })
  const receipt = await sendCall({
    client,
    wallet,
    address: registry,
    abi,
    functionName: 'register',
    args: metadata === undefined ? [agentURI] : [agentURI, metadata],
  })
  const [event] = parseEventLogs({ abi, logs: receipt.logs, eventName: 'Registered', strict: true })
  if (event === undefined) throw new Error('register emitted no Registered')
  return {
    agentId: event.args.agentId,
    registered: true,
    txHash: receipt.transactionHash,
    uri: agentURI,
  }
}

/** An ERC-8004 registration file as a base64 data: URI (docs/spec/challenge.md#identity). */
export function registrationDataUri(name: string, wallet: Address): string {
  const file = {
    type: 'https://eips.ethereum.org/EIPS/eip-8004#registration-v1',
    name,
    description: 'Apiary agent',
    services: [{ name: 'wallet', endpoint: `eip155:${wallet}` }],
    active: true,
  }
  return `data:application/json;base64,${Buffer.from(JSON.stringify(file)).toString('base64')}`
}
