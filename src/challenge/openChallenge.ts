import {
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  parseEventLogs,
  type TransactionReceipt,
  type Transport,
  toHex,
  type WalletClient,
} from 'viem'
import { SwarmChallenge, sendCall } from '../chain/index.ts'
import { encodeCapacityPrompt, type MachineClass } from './capacityTask.ts'

export interface OpenChallengeParameters {
  client: PublicClient
  wallet: WalletClient<Transport, Chain, Account>
  contract: Address
  /** The ERC-8004 ids of the agents to invite; each answers from its operating wallet. */
  agents: readonly bigint[]
  /** Random when not given. */
  seed?: Hex | undefined
  /** Gas of each invitee's task (`suggestDifficulty`). */
  difficulty: bigint
  /** The class the bound counts in, written into the prompt (`calibrateCapacity`). */
  machineClass: MachineClass
  commitBlocks: number
  revealBlocks: number
  /** Default: every invitee. */
  minAgents?: number | undefined
}

export interface OpenChallengeReturnType {
  id: bigint
  txHash: Hex
  startBlock: bigint
  openHash: Hex
  commitDeadline: bigint
  revealDeadline: bigint
  /** The invitees' wallets, in agent id order: the order of verdicts and expected answers. */
  invitees: Address[]
  agentIds: bigint[]
}

/** The `createChallenge` call: for sendCall, or encoded for an outbox. */
export function openChallengeCall({
  contract,
  agents,
  seed = toHex(crypto.getRandomValues(new Uint8Array(32))),
  difficulty,
  machineClass,
  commitBlocks,
  revealBlocks,
  minAgents,
}: Omit<OpenChallengeParameters, 'client' | 'wallet'>) {
  const sorted = [...new Set(agents)].sort((a, b) => (a < b ? -1 : 1))
  return {
    address: contract,
    abi: SwarmChallenge.abi,
    functionName: 'createChallenge' as const,
    args: [
      seed,
      toHex(new TextEncoder().encode(encodeCapacityPrompt(machineClass))),
      difficulty,
      BigInt(commitBlocks),
      BigInt(revealBlocks),
      minAgents ?? sorted.length,
      sorted,
    ] as const,
  }
}

/** The challenge a `createChallenge` receipt opened. */
export function openedOf(receipt: TransactionReceipt): OpenChallengeReturnType {
  const [event] = parseEventLogs({
    abi: SwarmChallenge.abi,
    logs: receipt.logs,
    eventName: 'ChallengeCreated',
    strict: true,
  })
  if (event === undefined) throw new Error('createChallenge emitted no ChallengeCreated')
  return {
    id: event.args.id,
    txHash: receipt.transactionHash,
    startBlock: event.args.startBlock,
    openHash: receipt.blockHash,
    commitDeadline: event.args.commitDeadline,
    revealDeadline: event.args.revealDeadline,
    invitees: event.args.invitees.map((a) => a.toLowerCase() as Address),
    agentIds: [...event.args.agentIds],
  }
}

/** Creates a capacity challenge for the agents `agents` (sorted here, as the contract requires) and returns its id. */
export async function openChallenge({
  client,
  wallet,
  ...call
}: OpenChallengeParameters): Promise<OpenChallengeReturnType> {
  return openedOf(await sendCall({ client, wallet, ...openChallengeCall(call) }))
}
