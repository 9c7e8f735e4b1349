import { z } from 'zod'
import type { Hex } from './bytes.ts'
import type { SimulationCall } from './simulateCalls.ts'

const quantity = z
  .string()
  .regex(/^0x(0|[1-9a-f][0-9a-f]{0,63})$/, 'a 0x-hex quantity, lower case, no leading zeros')
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'a 20-byte 0x address')
const data = z
  .string()
  .regex(/^0x([0-9a-fA-F]{2})*$/, '0x-hex bytes')
  .max(2 + 2 * 48 * 1024, 'at most 48 KiB of call data')

/** One transaction of an `evm.simulate` job (docs/spec/jobs.md). */
export const simulationTransaction = z
  .strictObject({
    from: address,
    to: address.optional().describe('Absent: a contract creation'),
    data: data.optional(),
    value: quantity.optional(),
    gas: quantity.optional().describe("Default: the block's gas limit"),
    maxFeePerGas: quantity
      .optional()
      .describe("When no transaction sets it, gas is free and the block's base fee counts as 0"),
    maxPriorityFeePerGas: quantity.optional(),
    nonce: quantity.optional().describe("Checked when given; default the sender's nonce"),
  })
  .meta({ id: 'SimulationTransaction' })

/** The input of an `evm.simulate` job: up to 16 transactions run in order on one state. */
export const simulationInput = z
  .strictObject({
    block: z
      .union([z.enum(['latest', 'pending']), z.number().int().nonnegative()])
      .default('latest')
      .describe("The state to simulate on: after this block, in this block's context"),
    transactions: z.array(simulationTransaction).min(1).max(16),
  })
  .meta({ id: 'SimulationInput' })

export type SimulationInput = z.infer<typeof simulationInput>

const big = (value: string | undefined) => (value === undefined ? undefined : BigInt(value))

/** The engine's calls from a parsed input. */
export function simulationCalls(input: Pick<SimulationInput, 'transactions'>): SimulationCall[] {
  return input.transactions.map((tx) => ({
    from: tx.from.toLowerCase() as Hex,
    to: tx.to?.toLowerCase() as Hex | undefined,
    data: tx.data as Hex | undefined,
    value: big(tx.value),
    gas: big(tx.gas),
    maxFeePerGas: big(tx.maxFeePerGas),
    maxPriorityFeePerGas: big(tx.maxPriorityFeePerGas),
    nonce: big(tx.nonce),
  }))
}
