import { encodeRpcTransaction } from '../../validation/index.ts'

/**
 * The raw transactions before each one of a block (an L4 task runs them on the agent's own state first):
 * `raw(i)` are those before the i-th, encoded once each.
 */
export function l4Preceding(transactions: readonly Record<string, unknown>[]): (i: number) => Uint8Array[] {
  const encoded: Uint8Array[] = []
  return (i) => {
    for (let j = encoded.length; j < i; j++) encoded.push(encodeRpcTransaction(transactions[j] as never))
    return encoded.slice(0, i)
  }
}
