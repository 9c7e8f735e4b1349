import { setTimeout as sleep } from 'node:timers/promises'
import { create } from '@bufbuild/protobuf'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { recoverTransactionAddress, type TransactionSerialized } from 'viem'
import { createRpcClient } from '../../src/chain/index.ts'
import { fetchTruth, type Truth } from '../../src/coordinator/scoring/index.ts'
import {
  ExecutionStatus,
  Level,
  LogSchema,
  type Task,
  type TaskResult,
  TaskResultSchema,
} from '../../src/gen/apiary/v1/swarm_pb.js'
import { answerTask, changesFromDiff } from '../../src/protocol/index.ts'
import {
  createEngineCrypto,
  createVmPool,
  fromHex,
  type StateDiff,
  toHex,
} from '../../src/validation/index.ts'

const bytes = (hex: string | null | undefined) =>
  hex == null ? new Uint8Array() : (fromHex(hex) ?? new Uint8Array())
const hashOf = (task: Task) => toHex(keccak_256(task.witness?.transaction ?? new Uint8Array()))

/** A result saying what the chain says (the copycat's answer), in the wire form an agent sends. */
function resultFromTruth(task: Task, truth: Truth, diff: StateDiff): TaskResult {
  const base = { taskId: task.taskId, valid: true, txHash: bytes(truth.hash), sender: bytes(truth.sender) }
  if (task.level !== Level.L3) return create(TaskResultSchema, base)
  return create(TaskResultSchema, {
    ...base,
    status: truth.status === 'success' ? ExecutionStatus.SUCCESS : ExecutionStatus.REVERTED,
    gasUsed: BigInt(truth.gasUsed ?? 0),
    logs: (truth.logs ?? []).map((l) =>
      create(LogSchema, { address: bytes(l.address), topics: l.topics.map(bytes), data: bytes(l.data) }),
    ),
    createdAddress: bytes(truth.createdAddress),
    stateChanges: changesFromDiff({ pre: diff.pre ?? {}, post: diff.post ?? {} }),
  })
}

/**
 * The copying agent: executes nothing; for every task it waits for the transaction's receipt and the
 * node's prestateTracer diff (polling every 20 ms, as fast as a node answers) and sends them back.
 */
export function copycat(rpcUrl: string, { pollMs = 20, giveUpMs = 9000 } = {}) {
  const rpc = createRpcClient(rpcUrl)
  return async (task: Task): Promise<TaskResult | undefined> => {
    const hash = hashOf(task)
    const until = Date.now() + giveUpMs
    while (Date.now() < until) {
      const receipt = (await rpc('eth_getTransactionReceipt', [hash])) as { blockHash: string } | null
      if (receipt !== null) {
        const [truth, diff] = await Promise.all([
          fetchTruth(rpc, { hash, blockHash: receipt.blockHash, diff: false }),
          rpc('debug_traceTransaction', [
            hash,
            { tracer: 'prestateTracer', tracerConfig: { diffMode: true } },
          ]),
        ])
        return truth === 'orphaned' ? undefined : resultFromTruth(task, truth, diff as StateDiff)
      }
      await sleep(pollMs)
    }
    return undefined // a canary: never mined
  }
}

/** An agent that does the work at once but holds its answer until the transaction is mined. */
export function lateAgent(rpcUrl: string) {
  const rpc = createRpcClient(rpcUrl)
  const crypto = createEngineCrypto()
  const ctx = { crypto, vms: createVmPool(crypto) }
  return async (task: Task): Promise<TaskResult | undefined> => {
    const result = await answerTask(ctx, task)
    const hash = hashOf(task)
    for (let i = 0; i < 450; i++) {
      if ((await rpc('eth_getTransactionReceipt', [hash])) !== null) return result
      await sleep(20)
    }
    return result
  }
}

/**
 * The lazy agent: L1/L2 say "valid" with the right hash and sender (recovered, the cheapest real step);
 * L3 gives the most common outcome (a successful plain transfer: 21,000 gas, no logs, no state read).
 */
export function lazyAgent() {
  return async (task: Task): Promise<TaskResult> => {
    const raw = toHex(task.witness?.transaction ?? new Uint8Array()) as TransactionSerialized
    let sender: Uint8Array = new Uint8Array()
    try {
      sender = bytes(await recoverTransactionAddress({ serializedTransaction: raw }))
    } catch {}
    const base = { taskId: task.taskId, valid: true, txHash: bytes(hashOf(task)), sender }
    if (task.level !== Level.L3) return create(TaskResultSchema, base)
    return create(TaskResultSchema, { ...base, status: ExecutionStatus.SUCCESS, gasUsed: 21_000n })
  }
}

/**
 * The canary dodger: does honest work on what a node knows (a transaction in its mempool or mined: a real
 * task) and, on what no node has seen (a canary), either answers nothing (`skip`) or guesses as the lazy
 * agent does (`guess`).
 */
export function canaryDodger(rpcUrl: string, mode: 'skip' | 'guess') {
  const rpc = createRpcClient(rpcUrl)
  const crypto = createEngineCrypto()
  const ctx = { crypto, vms: createVmPool(crypto) }
  const lazy = lazyAgent()
  return async (task: Task): Promise<TaskResult | undefined> => {
    if ((await rpc('eth_getTransactionByHash', [hashOf(task)])) !== null) return answerTask(ctx, task)
    return mode === 'skip' ? undefined : lazy(task)
  }
}
