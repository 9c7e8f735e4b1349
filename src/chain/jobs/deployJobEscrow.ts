import { type Hex, type LocalAccount, zeroAddress } from 'viem'
import { JobEscrow } from '../contracts.generated.ts'
import { deployContract } from '../rewards/index.ts'

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
export function deployJobEscrow({
  rpcUrl,
  deployer,
  coordinator,
  token,
  withdrawDelaySeconds,
}: DeployJobEscrowParameters): Promise<DeployJobEscrowReturnType> {
  return deployContract({ rpcUrl, deployer }, JobEscrow, [
    coordinator,
    token ?? zeroAddress,
    BigInt(withdrawDelaySeconds),
  ])
}
