import { type Address, encodeAbiParameters, type Hex, hexToBigInt, keccak256 } from 'viem'
import type { RpcRequest } from '../chain/createRpcClient.ts'
import { buildWitness, type RpcBlock, reexecuteBlock } from '../chain/witness/index.ts'
import { ApiaryError } from '../internal/errors.ts'
import {
  type EngineCrypto,
  executeTransaction,
  logsHash,
  parseWitness,
  stateRoot,
  toHex,
  type VmPool,
} from '../validation/index.ts'

/** How many blocks before the challenge's block the task's transaction is chosen from. */
export const TASK_WINDOW = 16

export interface ComputeAnswerContext {
  rpc: RpcRequest
  crypto: EngineCrypto
  vms: VmPool
}

export interface ComputeAnswerParameters {
  seed: Hex
  agent: Address
  /** The block the challenge was created in. */
  startBlock: bigint
  chainId: bigint
  fork: string
}

export interface ComputeAnswerReturnType {
  answer: Hex
  /** The transaction re-executed (undefined: the window was empty). */
  task: { block: bigint; index: number; hash: Hex } | undefined
}

type BlockHashes = { hash: Hex; transactions: Hex[] }

/**
 * An agent's answer to an `apiary/reexecute-v1` challenge (docs/spec/challenge.md#tasks): the transaction chosen
 * from the 16 blocks before the challenge by keccak256(seed, agent), re-executed over its parent state.
 */
export async function computeAnswer(
  { rpc, crypto, vms }: ComputeAnswerContext,
  { seed, agent, startBlock, chainId, fork }: ComputeAnswerParameters,
): Promise<ComputeAnswerReturnType> {
  const first = startBlock > BigInt(TASK_WINDOW) ? startBlock - BigInt(TASK_WINDOW) : 1n
  const blocks: { number: bigint; block: BlockHashes }[] = []
  for (let n = first; n < startBlock; n++) {
    const block = (await rpc('eth_getBlockByNumber', [`0x${n.toString(16)}`, false])) as BlockHashes | null
    if (block === null)
      throw new ApiaryError('APIARY_BLOCK_MISSING', `block ${n} is not there yet`, { retryable: true })
    blocks.push({ number: n, block })
  }
  const count = blocks.reduce((sum, b) => sum + b.block.transactions.length, 0)
  if (count === 0) {
    const parent =
      blocks.at(-1)?.block.hash ?? ((await rpc('eth_getBlockByNumber', ['0x0', false])) as BlockHashes).hash
    const answer = keccak256(
      encodeAbiParameters(
        [{ type: 'bytes32' }, { type: 'address' }, { type: 'bytes32' }],
        [seed, agent, parent],
      ),
    )
    return { answer, task: undefined }
  }
  let pick = Number(taskChoice(seed, agent) % BigInt(count))
  const chosen = blocks.find(({ block }) => {
    if (pick < block.transactions.length) return true
    pick -= block.transactions.length
    return false
  }) as { number: bigint; block: BlockHashes }
  const full = (await rpc('eth_getBlockByNumber', [`0x${chosen.number.toString(16)}`, true])) as RpcBlock & {
    transactions: Record<string, unknown>[]
  }
  const prestates = await reexecuteBlock({ rpc, crypto, vms }, { block: full, chainId, fork })
  const tx = full.transactions[pick] as Record<string, unknown>
  const witness = parseWitness(buildWitness({ tx, block: full, prestate: prestates[pick], chainId, fork }))
  const verdict = await executeTransaction({ crypto, vms }, { witness })
  if (!verdict.valid)
    throw new ApiaryError(
      'APIARY_CHALLENGE_TASK_FAILED',
      `re-executing ${String(tx.hash)} failed: ${verdict.reason.code}`,
      { details: { block: chosen.number.toString(), index: pick } },
    )
  const answer = keccak256(
    encodeAbiParameters(
      [{ type: 'bytes32' }, { type: 'uint8' }, { type: 'uint64' }, { type: 'bytes32' }, { type: 'bytes32' }],
      [
        verdict.hash,
        verdict.status === 'success' ? 1 : 0,
        verdict.gasUsed,
        toHex(logsHash(crypto, verdict.logs)),
        toHex(await stateRoot(crypto, verdict.postState)),
      ],
    ),
  )
  return { answer, task: { block: chosen.number, index: pick, hash: verdict.hash } }
}

/** uint256(keccak256(abi.encode(seed, agent))): which transaction of the window is the agent's. */
export function taskChoice(seed: Hex, agent: Address): bigint {
  return hexToBigInt(
    keccak256(encodeAbiParameters([{ type: 'bytes32' }, { type: 'address' }], [seed, agent])),
  )
}
