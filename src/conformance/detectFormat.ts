import type { FixtureFormat } from './types.ts'

/** Which fixture format a parsed file holds, or undefined when it is none we know. */
export function detectFormat(json: unknown): FixtureFormat | undefined {
  if (Array.isArray(json)) {
    const first: unknown = json[0]
    if (!isObject(first)) return undefined
    if ('signedLegacy' in first && 'privateKey' in first) return 'ethers-transactions'
    if (
      'sendersAddress' in first ||
      'signedTransactionRLP' in first ||
      ('rlp' in first && 'sender' in first)
    ) {
      return 'ethereumjs-transactions'
    }
    return undefined
  }
  if (!isObject(json)) return undefined
  if ('genesis' in json && 'context' in json && 'input' in json) return 'geth-tracer'
  if ('tx' in json && typeof json.tx === 'string') return 'ethereumjs-transactions'
  if ('v' in json && 'r' in json && 's' in json && 'hash' in json && 'from' in json)
    return 'ethereumjs-transactions'
  const values = Object.values(json)
  const first = values[0]
  if (!isObject(first)) return undefined
  if ('txbytes' in first && 'result' in first) return 'transaction-test'
  if ('env' in first && 'pre' in first && 'transaction' in first && 'post' in first) return 'state-test'
  if ('blocks' in first && 'pre' in first && 'genesisBlockHeader' in first) return 'blockchain-test'
  if ('rlp' in first && 'sender' in first && 'hash' in first) return 'ethereumjs-transactions'
  return undefined
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
