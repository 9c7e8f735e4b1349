import { createWalletClient, type Hex, type LocalAccount, parseEventLogs } from 'viem'
import { ApiaryError } from '../../internal/errors.ts'
import { connectChain } from '../connectChain.ts'
import { AgentRewardPool } from '../contracts.generated.ts'
import { rpcTransport } from '../rpcTransport.ts'

export interface ClaimRewardParameters {
  rpcUrl: string
  pool: Hex
  /** Signs and sends the claim; without it (a dry run) `address` is only checked. */
  account?: LocalAccount | undefined
  /** The payout wallet, for a dry run without a key. */
  address?: Hex | undefined
  dryRun?: boolean
}

export interface ClaimRewardReturnType {
  address: Hex
  /** Wei claimable before the claim. */
  claimable: bigint
  /** Estimated gas of the claim (0 when there is nothing to claim). */
  gas: bigint
  /** The claim, unless this was a dry run or there was nothing to claim. */
  txHash: Hex | undefined
  /** Wei the wallet received, per the Claimed event. */
  claimed: bigint
}

/**
 * Claims a payout wallet's credit from an AgentRewardPool (`claim()`): reads what is claimable, estimates
 * the call, and (unless a dry run) sends it and reads the `Claimed` event. Nothing claimable is not an error.
 */
export async function claimReward({
  rpcUrl,
  pool,
  account,
  address: given,
  dryRun = false,
}: ClaimRewardParameters): Promise<ClaimRewardReturnType> {
  const address = (account?.address ?? given)?.toLowerCase() as Hex | undefined
  if (address === undefined)
    throw new ApiaryError('APIARY_SIGNER_MISSING', 'a claim needs the payout wallet', { usage: true })
  const { chain, client } = await connectChain(rpcUrl)
  const abi = AgentRewardPool.abi
  let claimable: bigint
  try {
    claimable = await client.readContract({ address: pool, abi, functionName: 'claimable', args: [address] })
  } catch (cause) {
    throw new ApiaryError('APIARY_POOL_INVALID', `${pool} does not answer as an AgentRewardPool`, {
      usage: true,
      cause,
    })
  }
  if (claimable === 0n) return { address, claimable, gas: 0n, txHash: undefined, claimed: 0n }
  const gas = await client.estimateContractGas({
    address: pool,
    abi,
    functionName: 'claim',
    account: address,
  })
  if (dryRun || account === undefined) return { address, claimable, gas, txHash: undefined, claimed: 0n }
  const wallet = createWalletClient({ account, chain, transport: rpcTransport(rpcUrl) })
  const txHash = await wallet.writeContract({
    address: pool,
    abi,
    functionName: 'claim',
    gas: (gas * 12n) / 10n,
  })
  const receipt = await client.waitForTransactionReceipt({ hash: txHash, timeout: 120_000 })
  if (receipt.status !== 'success')
    throw new ApiaryError('APIARY_CLAIM_FAILED', `the claim ${txHash} reverted`, { details: { txHash } })
  const claimed = parseEventLogs({
    abi,
    logs: receipt.logs,
    eventName: 'Claimed',
    args: { agent: address },
  }).reduce((sum, log) => sum + log.args.amount, 0n)
  return { address, claimable, gas, txHash, claimed }
}
