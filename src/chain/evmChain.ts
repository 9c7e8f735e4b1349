import type { Chain } from 'viem'

/** viem's description of an Ether-denominated chain at a JSON-RPC endpoint. */
export function evmChain(id: number, rpcUrl: string, name = `chain ${id}`): Chain {
  return {
    id,
    name,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  }
}
