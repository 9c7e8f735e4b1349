import { createWalletClient, type Hex, http, type LocalAccount } from 'viem'
import { ApiaryError } from '../../internal/errors.ts'
import { connectChain } from '../connectChain.ts'
import { AgentRewardPool } from '../contracts.generated.ts'

export interface DeployRewardPoolParameters {
  rpcUrl: string
  /** Pays for the deployment. */
  deployer: LocalAccount
  /** The address allowed to settle epochs (the coordinator's hot wallet). */
  coordinator: Hex
}

export interface DeployRewardPoolReturnType {
  address: Hex
  txHash: Hex
  block: bigint
  gasUsed: bigint
}

/** Deploys an AgentRewardPool and waits for its receipt. */
export async function deployRewardPool({
  rpcUrl,
  deployer,
  coordinator,
}: DeployRewardPoolParameters): Promise<DeployRewardPoolReturnType> {
  const { chain, client } = await connectChain(rpcUrl)
  const wallet = createWalletClient({ account: deployer, chain, transport: http(rpcUrl) })
  const txHash = await wallet.deployContract({
    abi: AgentRewardPool.abi,
    bytecode: AgentRewardPool.bytecode,
    args: [coordinator],
  })
  const receipt = await client.waitForTransactionReceipt({ hash: txHash, timeout: 120_000 })
  if (receipt.status !== 'success' || receipt.contractAddress == null)
    throw new ApiaryError('APIARY_DEPLOY_FAILED', `the deployment ${txHash} reverted`)
  return {
    address: receipt.contractAddress.toLowerCase() as Hex,
    txHash,
    block: receipt.blockNumber,
    gasUsed: receipt.gasUsed,
  }
}
