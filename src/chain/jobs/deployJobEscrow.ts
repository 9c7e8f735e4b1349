import { createWalletClient, type Hex, type LocalAccount, zeroAddress } from 'viem'
import { ApiaryError } from '../../internal/errors.ts'
import { connectChain } from '../connectChain.ts'
import { JobEscrow } from '../contracts.generated.ts'
import { rpcTransport } from '../rpcTransport.ts'

export interface DeployJobEscrowParameters {
  rpcUrl: string
  /** Pays for the deployment. */
  deployer: LocalAccount
  /** The address allowed to charge clients (the coordinator's hot wallet). */
  coordinator: Hex
  /** The one ERC-20 the escrow takes besides the coin; undefined: the coin only. */
  token?: Hex | undefined
  /** Seconds between announcing a withdrawal and making it. */
  withdrawDelaySeconds: number
}

export interface DeployJobEscrowReturnType {
  address: Hex
  txHash: Hex
  block: bigint
  gasUsed: bigint
}

/** Deploys a JobEscrow (docs/jobs.md) and waits for its receipt. */
export async function deployJobEscrow({
  rpcUrl,
  deployer,
  coordinator,
  token,
  withdrawDelaySeconds,
}: DeployJobEscrowParameters): Promise<DeployJobEscrowReturnType> {
  const { chain, client } = await connectChain(rpcUrl)
  const wallet = createWalletClient({ account: deployer, chain, transport: rpcTransport(rpcUrl) })
  const txHash = await wallet.deployContract({
    abi: JobEscrow.abi,
    bytecode: JobEscrow.bytecode,
    args: [coordinator, token ?? zeroAddress, BigInt(withdrawDelaySeconds)],
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
