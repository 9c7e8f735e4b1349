import { type Hex, hexToString } from 'viem'
import { connectChain } from '../connectChain.ts'
import { EpochRegistry } from '../contracts.generated.ts'

export interface Anchor {
  registry: Hex
  epoch: number
  jobRoot: Hex
  payoutRoot: Hex
  cid: string
  deposit: bigint
  txHash: Hex
  block: bigint
  /** Who sent the `seal` transaction (the registry's coordinator at the time). */
  sealer: Hex
}

/** The `Sealed` event of an epoch in an EpochRegistry, or undefined when the registry never sealed it. */
export async function readAnchor({
  rpcUrl,
  registry,
  epoch,
  fromBlock,
}: {
  rpcUrl: string
  registry: Hex
  epoch: number
  fromBlock?: bigint | undefined
}): Promise<Anchor | undefined> {
  const { client } = await connectChain(rpcUrl)
  const [log] = await client.getContractEvents({
    address: registry,
    abi: EpochRegistry.abi,
    eventName: 'Sealed',
    args: { epoch: BigInt(epoch) },
    fromBlock: fromBlock ?? 0n,
    toBlock: 'latest',
  })
  if (log === undefined) return undefined
  const tx = await client.getTransaction({ hash: log.transactionHash })
  const args = log.args as { jobRoot: Hex; payoutRoot: Hex; cid: Hex; deposit: bigint }
  return {
    registry: registry.toLowerCase() as Hex,
    epoch,
    jobRoot: args.jobRoot,
    payoutRoot: args.payoutRoot,
    cid: hexToString(args.cid),
    deposit: args.deposit,
    txHash: log.transactionHash,
    block: log.blockNumber,
    sealer: tx.from.toLowerCase() as Hex,
  }
}
