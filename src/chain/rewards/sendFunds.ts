import { createWalletClient, type Hex, type LocalAccount } from 'viem'
import { ApiaryError } from '../../internal/errors.ts'
import { connectChain } from '../connectChain.ts'
import { rpcTransport } from '../rpcTransport.ts'

export interface SendFundsParameters {
  rpcUrl: string
  from: LocalAccount
  to: readonly Hex[]
  /** Wei sent to each address. */
  amount: bigint
  /** Only check that the sender can pay; send nothing. */
  dryRun?: boolean
}

export interface SendFundsReturnType {
  from: Hex
  balance: bigint
  /** Value plus the fee at the current price, for all transfers. */
  needed: bigint
  transfers: { to: Hex; txHash: Hex | undefined }[]
}

/** Sends `amount` to each address, one transfer at a time, waiting for each receipt. */
export async function sendFunds({
  rpcUrl,
  from,
  to,
  amount,
  dryRun = false,
}: SendFundsParameters): Promise<SendFundsReturnType> {
  const { chain, client } = await connectChain(rpcUrl)
  const [balance, fees] = await Promise.all([
    client.getBalance({ address: from.address }),
    client.estimateFeesPerGas(),
  ])
  const needed = (amount + 21_000n * fees.maxFeePerGas) * BigInt(to.length)
  if (balance < needed)
    throw new ApiaryError(
      'APIARY_BALANCE_SHORT',
      `${from.address} holds ${balance} wei; ${to.length} transfers of ${amount} wei need ${needed} with fees`,
      { details: { balance: balance.toString(), needed: needed.toString() } },
    )
  if (dryRun)
    return { from: from.address, balance, needed, transfers: to.map((a) => ({ to: a, txHash: undefined })) }
  const wallet = createWalletClient({ account: from, chain, transport: rpcTransport(rpcUrl) })
  const transfers: SendFundsReturnType['transfers'] = []
  for (const address of to) {
    const txHash = await wallet.sendTransaction({ to: address, value: amount })
    const receipt = await client.waitForTransactionReceipt({ hash: txHash, timeout: 120_000 })
    if (receipt.status !== 'success')
      throw new ApiaryError('APIARY_TRANSFER_FAILED', `the transfer ${txHash} to ${address} failed`)
    transfers.push({ to: address, txHash })
  }
  return { from: from.address, balance, needed, transfers }
}
