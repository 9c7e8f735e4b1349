import { type Fork, forkAtLeast } from './forks.ts'
import type { DecodedTransaction } from './transaction.ts'

export interface IntrinsicGas {
  /** Gas charged before execution: base, calldata, creation, init code words, access list, authorizations. */
  intrinsicGas: bigint
  /** EIP-7623 minimum gas used (Prague on; 0 before): 21000 + 10 × calldata tokens. */
  floorGas: bigint
}

/** Intrinsic gas of a transaction under a fork (EIP-2, 2028, 2930, 3860, 7623, 7702). */
export function intrinsicGas(tx: DecodedTransaction, fork: Fork): IntrinsicGas {
  let zeros = 0n
  for (const byte of tx.data) if (byte === 0) zeros++
  const nonZeros = BigInt(tx.data.length) - zeros
  const create = tx.to === undefined
  let gas = 21000n
  if (create && forkAtLeast(fork, 'homestead')) gas += 32000n
  gas += zeros * 4n + nonZeros * (forkAtLeast(fork, 'istanbul') ? 16n : 68n)
  if (create && forkAtLeast(fork, 'shanghai')) gas += 2n * ((BigInt(tx.data.length) + 31n) / 32n)
  for (const entry of tx.accessList) gas += 2400n + 1900n * BigInt(entry.storageKeys.length)
  gas += 25000n * BigInt(tx.authorizationList.length)
  const floorGas = forkAtLeast(fork, 'prague') ? 21000n + 10n * (zeros + 4n * nonZeros) : 0n
  return { intrinsicGas: gas, floorGas }
}
