import { createWalletClient, type Hex, type LocalAccount } from 'viem'
import { ApiaryError } from '../../internal/errors.ts'
import { connectChain } from '../connectChain.ts'
import { AgentRegistry, Mailbox, SwarmChallenge } from '../contracts.generated.ts'
import { rpcTransport } from '../rpcTransport.ts'

export interface DeploySwarmContractsParameters {
  rpcUrl: string
  deployer: LocalAccount
  /** Use this AgentRegistry (e.g. an ERC-8004-compatible one already deployed) instead of deploying one. */
  registry?: Hex | undefined
}

export interface DeploySwarmContractsReturnType {
  registry: Hex
  challenge: Hex
  /** The Mailbox agents message each other through, encrypting to keys published in the registry. */
  mailbox: Hex
  /** The block SwarmChallenge was deployed in (where indexers start). */
  block: bigint
}

/**
 * Deploys an AgentRegistry (unless given), then a SwarmChallenge (docs/spec/challenge.md) and a Mailbox
 * (docs/spec/message.md) bound to it.
 */
export async function deploySwarmContracts({
  rpcUrl,
  deployer,
  registry: given,
}: DeploySwarmContractsParameters): Promise<DeploySwarmContractsReturnType> {
  const { chain, client } = await connectChain(rpcUrl)
  const wallet = createWalletClient({ account: deployer, chain, transport: rpcTransport(rpcUrl) })
  const deploy = async (
    contract: typeof AgentRegistry | typeof SwarmChallenge | typeof Mailbox,
    args: unknown[],
  ) => {
    const txHash = await wallet.deployContract({
      abi: contract.abi,
      bytecode: contract.bytecode,
      args,
    } as never)
    const receipt = await client.waitForTransactionReceipt({ hash: txHash, timeout: 120_000 })
    if (receipt.status !== 'success' || receipt.contractAddress == null)
      throw new ApiaryError('APIARY_DEPLOY_FAILED', `the deployment ${txHash} reverted`)
    return { address: receipt.contractAddress.toLowerCase() as Hex, block: receipt.blockNumber }
  }
  const registry = given ?? (await deploy(AgentRegistry, [])).address
  const challenge = await deploy(SwarmChallenge, [registry])
  const mailbox = await deploy(Mailbox, [registry])
  return { registry, challenge: challenge.address, mailbox: mailbox.address, block: challenge.block }
}
