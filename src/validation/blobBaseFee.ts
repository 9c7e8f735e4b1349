import type { Fork } from './forks.ts'
import { blobParameters } from './forks.ts'
import type { BlockContext } from './witness.ts'

/** EIP-4844 blob base fee: fake_exponential(1, excessBlobGas, updateFraction). Undefined before Cancun. */
export function blobBaseFee(block: BlockContext, fork: Fork): bigint | undefined {
  const params = blobParameters(fork)
  if (params === undefined) return undefined
  return fakeExponential(1n, block.excessBlobGas ?? 0n, params.baseFeeUpdateFraction)
}

function fakeExponential(factor: bigint, numerator: bigint, denominator: bigint): bigint {
  let i = 1n
  let output = 0n
  let accumulator = factor * denominator
  while (accumulator > 0n) {
    output += accumulator
    accumulator = (accumulator * numerator) / (denominator * i)
    i++
  }
  return output / denominator
}
