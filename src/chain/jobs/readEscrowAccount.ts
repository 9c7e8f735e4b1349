import { type Hex, type PublicClient, zeroAddress } from 'viem'
import { JobEscrow } from '../contracts.generated.ts'

export const ESCROW_ASSETS = { coin: 0, token: 1 } as const
export type EscrowAsset = keyof typeof ESCROW_ASSETS

export interface EscrowAccount {
  client: Hex
  /** The escrow's ERC-20, if it takes one. */
  token: Hex | undefined
  withdrawDelaySeconds: number
  /** Per asset: the balance, and the withdrawal announced (amount, when it is ready: unix seconds). */
  assets: Partial<
    Record<EscrowAsset, { balance: bigint; withdrawal: { amount: bigint; readyAt: number } | undefined }>
  >
}

/**
 * A client's account in a JobEscrow: balances and announced withdrawals, per asset it takes, as of
 * `blockNumber` (default the latest block).
 */
export async function readEscrowAccount(
  client: PublicClient,
  { escrow, account, blockNumber }: { escrow: Hex; account: Hex; blockNumber?: bigint | undefined },
): Promise<EscrowAccount> {
  const at = blockNumber === undefined ? {} : { blockNumber }
  const [token, delay] = await Promise.all([
    client.readContract({ address: escrow, abi: JobEscrow.abi, functionName: 'token', ...at }),
    client.readContract({ address: escrow, abi: JobEscrow.abi, functionName: 'withdrawDelay', ...at }),
  ])
  const kinds: EscrowAsset[] = token === zeroAddress ? ['coin'] : ['coin', 'token']
  const assets: EscrowAccount['assets'] = {}
  for (const kind of kinds) {
    const asset = ESCROW_ASSETS[kind]
    const [balance, [amount, readyAt]] = await Promise.all([
      client.readContract({
        address: escrow,
        abi: JobEscrow.abi,
        functionName: 'balanceOf',
        args: [account, asset],
        ...at,
      }),
      client.readContract({
        address: escrow,
        abi: JobEscrow.abi,
        functionName: 'withdrawalOf',
        args: [account, asset],
        ...at,
      }),
    ])
    assets[kind] = { balance, withdrawal: amount === 0n ? undefined : { amount, readyAt: Number(readyAt) } }
  }
  return {
    client: account.toLowerCase() as Hex,
    token: token === zeroAddress ? undefined : (token.toLowerCase() as Hex),
    withdrawDelaySeconds: Number(delay),
    assets,
  }
}
