import { type Abi, createWalletClient, type Hex, type LocalAccount } from 'viem'
import { ApiaryError } from '../../internal/errors.ts'
import { connectChain } from '../connectChain.ts'
import { AgentRewardPool, EpochRegistry } from '../contracts.generated.ts'
import { rpcTransport } from '../rpcTransport.ts'

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
export function deployRewardPool(params: DeployRewardPoolParameters): Promise<DeployRewardPoolReturnType> {
  return deployCoordinated(AgentRewardPool, params)
}

/** Deploys an EpochRegistry (seals and Merkle claims, docs/epochs.md) and waits for its receipt. */
export function deployEpochRegistry(params: DeployRewardPoolParameters): Promise<DeployRewardPoolReturnType> {
  return deployCoordinated(EpochRegistry, params)
}

/** Both contracts take their coordinator (owner) as the only constructor argument. */
function deployCoordinated(
  contract: typeof AgentRewardPool | typeof EpochRegistry,
  { rpcUrl, deployer, coordinator }: DeployRewardPoolParameters,
): Promise<DeployRewardPoolReturnType> {
  return deployContract({ rpcUrl, deployer }, contract, [coordinator])
}

/** Deploys one of Apiary's contracts with its constructor arguments and waits for its receipt. */
export async function deployContract(
  { rpcUrl, deployer }: { rpcUrl: string; deployer: LocalAccount },
  contract: { abi: Abi; bytecode: Hex },
  args: readonly unknown[],
): Promise<DeployRewardPoolReturnType> {
  const { chain, client } = await connectChain(rpcUrl)
  const wallet = createWalletClient({ account: deployer, chain, transport: rpcTransport(rpcUrl) })
  const txHash = await wallet.deployContract({
    abi: contract.abi,
    bytecode: contract.bytecode,
    args,
  } as never)
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
