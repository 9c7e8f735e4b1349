import { type Chain, createPublicClient, type PublicClient } from 'viem'
import { ApiaryError } from '../internal/errors.ts'
import { redactUrl } from './createRpcClient.ts'
import { evmChain } from './evmChain.ts'
import { rpcTransport } from './rpcTransport.ts'

export interface ConnectedChain {
  chain: Chain
  client: PublicClient
}

/** viem's public client for a JSON-RPC endpoint, with the chain id the node reports. */
export async function connectChain(rpcUrl: string): Promise<ConnectedChain> {
  const probe = createPublicClient({ transport: rpcTransport(rpcUrl, { retryCount: 1 }) })
  let id: number
  try {
    id = await probe.getChainId()
  } catch (cause) {
    throw new ApiaryError('APIARY_RPC_UNREACHABLE', `cannot reach the chain at ${redactUrl(rpcUrl)}`, {
      cause,
      retryable: true,
      hints: ['check --rpc, or start a devnet with `apiary devnet`'],
    })
  }
  const chain = evmChain(id, rpcUrl)
  // Receipts are polled every second (viem's default is 4 s): devnets and L2s make blocks faster than that.
  return {
    chain,
    client: createPublicClient({
      chain,
      pollingInterval: 1_000,
      transport: rpcTransport(rpcUrl, { retryCount: 1 }),
    }),
  }
}
