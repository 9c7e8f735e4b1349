import { createWalletClient, type Hex, type LocalAccount } from 'viem'
import { ApiaryError } from '../../internal/errors.ts'
import { connectChain } from '../connectChain.ts'
import { AgentRegistry, Mailbox, SwarmChallenge, ValidationRegistry } from '../contracts.generated.ts'
import { rpcTransport } from '../rpcTransport.ts'

export interface DeploySwarmContractsParameters {
  rpcUrl: string
  deployer: LocalAccount
  /** Use this AgentRegistry (e.g. an ERC-8004-compatible one already deployed) instead of deploying one. */
  registry?: Hex | undefined
  /** Use this ERC-8004 ValidationRegistry instead of deploying one. */
  validations?: Hex | undefined
}

export interface DeploySwarmContractsReturnType {
  registry: Hex
  /** The ERC-8004 ValidationRegistry finalized challenges are published in. */
  validations: Hex
  challenge: Hex
  /** The Mailbox agents message each other through, encrypting to keys published in the registry. */
  mailbox: Hex
  /** The block SwarmChallenge was deployed in (where indexers start). */
  block: bigint
}

/**
 * Deploys an AgentRegistry and an ERC-8004 ValidationRegistry over it (unless given), then a SwarmChallenge
 * (docs/spec/challenge.md) that publishes its results in the latter and a Mailbox (docs/spec/message.md)
 * bound to the registry.
 */
export async function deploySwarmContracts({
  rpcUrl,
  deployer,
  registry: given,
  validations: givenValidations,
}: DeploySwarmContractsParameters): Promise<DeploySwarmContractsReturnType> {
  const { chain, client } = await connectChain(rpcUrl)
  const wallet = createWalletClient({ account: deployer, chain, transport: rpcTransport(rpcUrl) })
  const deploy = async (
    contract: typeof AgentRegistry | typeof SwarmChallenge | typeof Mailbox | typeof ValidationRegistry,
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
  const validations = givenValidations ?? (await deploy(ValidationRegistry, [registry])).address
  const challenge = await deploy(SwarmChallenge, [registry, validations])
  const mailbox = await deploy(Mailbox, [registry])
  return {
    registry,
    validations,
    challenge: challenge.address,
    mailbox: mailbox.address,
    block: challenge.block,
  }
}
