import { createFeeMarket1559Tx, createLegacyTx } from '@ethereumjs/tx'
import { Address } from '@ethereumjs/util'
import { runTx } from '@ethereumjs/vm'
import { blockOf } from './blockOf.ts'
import { fromHex, type Hex, toHex } from './bytes.ts'
import type { EngineCrypto } from './crypto.ts'
import { diffState, type StateDiff } from './diffState.ts'
import type { Log } from './executeTransaction.ts'
import { createVmPool, type VmPool } from './vmPool.ts'
import type { Witness } from './witness.ts'

/** One call of a simulation: an unsigned transaction whose sender is taken as given (impersonated). */
export interface SimulationCall {
  from: Hex
  /** Absent: a contract creation. */
  to?: Hex | undefined
  data?: Hex | undefined
  value?: bigint | undefined
  /** Default: the block's gas limit. */
  gas?: bigint | undefined
  /** Absent on every call: gas is free and the block's base fee counts as 0 (as `eth_call` runs). */
  maxFeePerGas?: bigint | undefined
  maxPriorityFeePerGas?: bigint | undefined
  /** Checked when given; otherwise the sender's current nonce is used. */
  nonce?: bigint | undefined
}

/** What one call did, in the job output's JSON form (docs/spec/jobs.md). */
export interface CallOutcome {
  /** `invalid`: the EVM refused the call before running it (funds, nonce, fees, gas limit): no effect. */
  status: 'success' | 'reverted' | 'halted' | 'invalid'
  gasUsed: Hex
  returnData: Hex
  logs: Log[]
  createdAddress: Hex | null
  stateDiff: StateDiff
  error: string | null
}

export interface SimulationOutput {
  calls: CallOutcome[]
  /** Accounts the calls read that the witness does not hold (the answer may then be wrong): sorted. */
  unwitnessed: Hex[]
}

const REFUSALS: [RegExp, string][] = [
  [/enough funds/, 'INSUFFICIENT_FUNDS'],
  [/correct nonce/, 'NONCE_MISMATCH'],
  [/baseFeePerGas|base fee/i, 'FEE_BELOW_BASE_FEE'],
  [/INTRINSIC_GAS_TOO_LOW|gas limit/i, 'GAS_LIMIT_INVALID'],
  [/EIP-3607/, 'SENDER_NOT_EOA'],
]

/**
 * Runs `calls` in order on the witness's prestate in its block context, each on the state the previous
 * left, with the L3 engine: what `evm.simulate` answers. Deterministic: every honest agent gets the same
 * output for the same witness and calls.
 */
export async function simulateCalls(
  ctx: { crypto: EngineCrypto; vms?: VmPool | undefined },
  { witness, calls }: { witness: Witness; calls: readonly SimulationCall[] },
): Promise<SimulationOutput> {
  const paid = calls.some((call) => call.maxFeePerGas !== undefined)
  const block = { ...witness.block, baseFeePerGas: paid ? witness.block.baseFeePerGas : 0n }
  const pool = ctx.vms ?? createVmPool(ctx.crypto)
  const pooled = await pool.acquire(witness.chainId, witness.fork, witness.prestate, witness.blockHashes)
  try {
    const { vm, common, state } = pooled
    const header = blockOf({ fork: witness.fork, block }, common)
    const outcomes: CallOutcome[] = []
    for (const call of calls) {
      const before = state.finalState()
      const sender = new Address(fromHex(call.from) as Uint8Array)
      const nonce = call.nonce ?? (await state.getAccount(sender))?.nonce ?? 0n
      const fields = {
        nonce,
        gasLimit: call.gas ?? block.gasLimit,
        value: call.value ?? 0n,
        data: fromHex(call.data ?? '0x') as Uint8Array,
        ...(call.to === undefined ? {} : { to: call.to }),
      }
      const opts = { common, freeze: false }
      const tx =
        call.maxFeePerGas === undefined
          ? createLegacyTx({ ...fields, gasPrice: 0n }, opts)
          : createFeeMarket1559Tx(
              {
                ...fields,
                maxFeePerGas: call.maxFeePerGas,
                maxPriorityFeePerGas: call.maxPriorityFeePerGas ?? 0n,
              },
              opts,
            )
      tx.getSenderAddress = () => sender
      try {
        const result = await runTx(vm, {
          tx,
          block: header,
          skipHardForkValidation: true,
          skipNonce: call.nonce === undefined,
          skipBlockGasLimitValidation: true,
        })
        const exec = result.execResult
        const error = exec.exceptionError?.error
        outcomes.push({
          status: error === undefined ? 'success' : error === 'revert' ? 'reverted' : 'halted',
          gasUsed: `0x${result.totalGasSpent.toString(16)}`,
          returnData: toHex(exec.returnValue),
          logs:
            exec.logs?.map(([address, topics, data]) => ({
              address: toHex(address),
              topics: topics.map(toHex),
              data: toHex(data),
            })) ?? [],
          createdAddress: (result.createdAddress?.toString() as Hex | undefined) ?? null,
          stateDiff: diffState(before, state.finalState()),
          error: error ?? null,
        })
      } catch (cause) {
        const message = cause instanceof Error ? cause.message : String(cause)
        outcomes.push({
          status: 'invalid',
          gasUsed: '0x0',
          returnData: '0x',
          logs: [],
          createdAddress: null,
          stateDiff: { pre: {}, post: {} },
          error: REFUSALS.find(([pattern]) => pattern.test(message))?.[1] ?? 'REFUSED',
        })
      }
    }
    return { calls: outcomes, unwitnessed: state.gaps() as Hex[] }
  } finally {
    pool.release(pooled)
  }
}
