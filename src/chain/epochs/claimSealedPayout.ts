import {
  BaseError,
  ContractFunctionRevertedError,
  createWalletClient,
  type Hex,
  type LocalAccount,
} from 'viem'
import { ApiaryError } from '../../internal/errors.ts'
import { connectChain } from '../connectChain.ts'
import { EpochRegistry } from '../contracts.generated.ts'
import { rpcTransport } from '../rpcTransport.ts'

export interface ClaimSealedPayoutParameters {
  rpcUrl: string
  registry: Hex
  epoch: number
  /** The payout and its proof, from the epoch's agents.json. */
  amount: bigint
  proof: readonly Hex[]
  /** Signs and sends the claim; without it (a dry run) `address` is only checked. */
  account?: LocalAccount | undefined
  address?: Hex | undefined
  dryRun?: boolean
}

export interface ClaimSealedPayoutReturnType {
  address: Hex
  /** True when this address had already claimed the epoch (nothing sent). */
  alreadyClaimed: boolean
  gas: bigint
  txHash: Hex | undefined
  claimed: bigint
}

/**
 * Claims an address's payout of a sealed epoch from an EpochRegistry (`claim(epoch, amount, proof)`): checks
 * that the epoch is anchored with a payout root and not yet claimed by the address, simulates the call (a
 * wrong amount or proof fails here with the contract's error, before any gas is spent), then sends it.
 */
export async function claimSealedPayout(
  p: ClaimSealedPayoutParameters,
): Promise<ClaimSealedPayoutReturnType> {
  const address = (p.account?.address ?? p.address)?.toLowerCase() as Hex | undefined
  if (address === undefined)
    throw new ApiaryError('APIARY_SIGNER_MISSING', 'a claim needs the payout wallet', { usage: true })
  const { chain, client } = await connectChain(p.rpcUrl)
  const abi = EpochRegistry.abi
  const epoch = BigInt(p.epoch)
  let root: Hex
  let done: boolean
  try {
    ;[root, done] = await Promise.all([
      client.readContract({ address: p.registry, abi, functionName: 'payoutRootOf', args: [epoch] }),
      client.readContract({ address: p.registry, abi, functionName: 'claimed', args: [epoch, address] }),
    ])
  } catch (cause) {
    throw new ApiaryError('APIARY_REGISTRY_INVALID', `${p.registry} does not answer as an EpochRegistry`, {
      usage: true,
      cause,
    })
  }
  if (done) return { address, alreadyClaimed: true, gas: 0n, txHash: undefined, claimed: 0n }
  if (/^0x0{64}$/.test(root))
    throw new ApiaryError(
      'APIARY_EPOCH_NOT_ANCHORED',
      `${p.registry} holds no payout root for epoch ${p.epoch} (not anchored yet, or it pays nothing there)`,
      { retryable: true },
    )
  let gas: bigint
  try {
    gas = await client.estimateContractGas({
      address: p.registry,
      abi,
      functionName: 'claim',
      args: [epoch, p.amount, p.proof],
      account: address,
    })
  } catch (cause) {
    const revert =
      cause instanceof BaseError ? cause.walk((e) => e instanceof ContractFunctionRevertedError) : undefined
    const name = (revert as ContractFunctionRevertedError | undefined)?.data?.errorName
    throw new ApiaryError(
      'APIARY_CLAIM_REJECTED',
      `the registry refuses the claim of ${p.amount} wei for ${address} in epoch ${p.epoch}${name === undefined ? '' : `: ${name}`}`,
      { cause, details: { error: name } },
    )
  }
  if (p.dryRun || p.account === undefined)
    return { address, alreadyClaimed: false, gas, txHash: undefined, claimed: 0n }
  const wallet = createWalletClient({ account: p.account, chain, transport: rpcTransport(p.rpcUrl) })
  const txHash = await wallet.writeContract({
    address: p.registry,
    abi,
    functionName: 'claim',
    args: [epoch, p.amount, p.proof],
    gas: (gas * 12n) / 10n,
  })
  const receipt = await client.waitForTransactionReceipt({ hash: txHash, timeout: 120_000 })
  if (receipt.status !== 'success')
    throw new ApiaryError('APIARY_CLAIM_FAILED', `the claim ${txHash} reverted`, { details: { txHash } })
  return { address, alreadyClaimed: false, gas, txHash, claimed: p.amount }
}
