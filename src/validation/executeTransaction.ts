import { createTxFromRLP } from '@ethereumjs/tx'
import { runTx } from '@ethereumjs/vm'
import { blockOf } from './blockOf.ts'
import { type Hex, toHex } from './bytes.ts'
import type { EngineCrypto } from './crypto.ts'
import { diffState, type StateDiff } from './diffState.ts'
import type { Rejection } from './failure.ts'
import { type StateAccepted, validateState } from './validateState.ts'
import { createVmPool, type PooledVm, type VmPool } from './vmPool.ts'
import type { AccountState, Witness } from './witness.ts'
import type { StateFallback } from './witnessState.ts'

export interface ExecuteTransactionContext {
  crypto: EngineCrypto
  /** Reuses EVMs across executions; without one every call builds its own (slow: ≈1 ms). */
  vms?: VmPool | undefined
}

export interface ExecuteTransactionParameters {
  witness: Witness
  /**
   * Where the EVM reads what the witness's prestate lacks (an L4 agent's own state); without it, what the
   * prestate lacks does not exist. The prestate must still hold the sender (L2 checks it first).
   */
  fallback?: StateFallback | undefined
}

export interface Log {
  address: Hex
  topics: Hex[]
  data: Hex
}

export interface ExecutionAccepted {
  valid: true
  level: 'L3'
  hash: Hex
  sender: Hex
  /** `success`: receipt status 1. `reverted`: REVERT. `halted`: any other exceptional halt. */
  status: 'success' | 'reverted' | 'halted'
  /** The EVM's reason when not `success` (e.g. `revert`, `out of gas`). */
  error: string | undefined
  /** Receipt gas used: intrinsic + execution − capped refund, at least the EIP-7623 floor. */
  gasUsed: bigint
  logs: Log[]
  returnData: Hex
  createdAddress: Hex | undefined
  /** Changed accounts in go-ethereum's prestateTracer diffMode shape. */
  stateDiff: StateDiff
  /** Every account after the transaction (prestate plus changes), deleted ones removed. */
  postState: Map<string, AccountState>
  /** Every account the execution read and the storage slots it read in each (what a witness must hold). */
  accessed: Map<string, Set<string>>
  /** Accounts the execution read that the witness does not hold (treated as empty), besides those it created. */
  unwitnessed: Hex[]
}

export interface ExecutionRejected {
  valid: false
  level: 'L3'
  hash: Hex | undefined
  sender: Hex | undefined
  reason: Rejection
}

export type ExecutionVerdict = ExecutionAccepted | ExecutionRejected

/**
 * L3: L2, then runs the transaction on @ethereumjs/vm over the witness's prestate in its block context and
 * reports what the chain's receipt and post-state must say.
 */
export async function executeTransaction(
  ctx: ExecuteTransactionContext,
  { witness, fallback }: ExecuteTransactionParameters,
): Promise<ExecutionVerdict> {
  const checked = validateState(ctx, { witness })
  if (!checked.valid) return { ...checked, level: 'L3' }
  const pool = ctx.vms ?? createVmPool(ctx.crypto)
  const pooled = await pool.acquire(
    witness.chainId,
    witness.fork,
    witness.prestate,
    witness.blockHashes,
    fallback,
  )
  try {
    return await run(pooled, witness, checked)
  } finally {
    pool.release(pooled)
  }
}

async function run(pooled: PooledVm, witness: Witness, checked: StateAccepted): Promise<ExecutionVerdict> {
  const { vm, common, state } = pooled
  const block = blockOf(witness, common)
  const tx = createTxFromRLP(checked.tx.canonical, { common })
  // L1 already recovered the sender: hand the key to @ethereumjs instead of recovering it twice.
  ;(tx.cache as { senderPubKey?: Uint8Array }).senderPubKey = checked.senderPublicKey.subarray(1)
  let result: Awaited<ReturnType<typeof runTx>>
  try {
    result = await runTx(vm, { tx, block, skipHardForkValidation: true })
  } catch (error) {
    return {
      valid: false,
      level: 'L3',
      hash: checked.hash,
      sender: checked.sender,
      reason: {
        code: 'EXECUTION_FAILED',
        message: `the EVM refused the transaction: ${error instanceof Error ? error.message : String(error)}`,
        details: {},
      },
    }
  }
  const exec = result.execResult
  // In Frontier, running out of gas for the code deposit leaves an empty contract and is no failure.
  const frontierDeposit =
    witness.fork === 'frontier' && exec.exceptionError?.error === 'code store out of gas'
  const error = frontierDeposit ? undefined : exec.exceptionError?.error
  const postState = state.finalState()
  const createdAddress =
    result.createdAddress === undefined ? undefined : (result.createdAddress.toString() as Hex)
  return {
    valid: true,
    level: 'L3',
    hash: checked.hash,
    sender: checked.sender,
    status: error === undefined ? 'success' : error === 'revert' ? 'reverted' : 'halted',
    error,
    gasUsed: result.totalGasSpent,
    logs:
      exec.logs?.map(([address, topics, data]) => ({
        address: toHex(address),
        topics: topics.map(toHex),
        data: toHex(data),
      })) ?? [],
    returnData: toHex(exec.returnValue),
    createdAddress,
    stateDiff: diffState(state.prestate(), postState),
    postState,
    accessed: new Map([...state.touched].map(([address, slots]) => [address, new Set(slots)])),
    unwitnessed: state.gaps().filter((a) => a !== createdAddress) as Hex[],
  }
}
