import { checkTransactionRules, fromHex, parseFork, validateEnvelope } from '../validation/index.ts'
import { isObject } from './detectFormat.ts'
import { matchException } from './matchException.ts'
import type { CaseResult, FixtureContext, FixtureFile } from './types.ts'

/** Fork keys of ethereum/tests TransactionTests, newest first; the newest present is the one checked. */
const FORK_KEYS = [
  'Prague',
  'Cancun',
  'Shanghai',
  'Paris',
  'London',
  'Berlin',
  'Istanbul',
  'ConstantinopleFix',
  'Byzantium',
]

/**
 * ethereum/tests TransactionTests: `{name: {txbytes, result: {Fork: {hash, sender, intrinsicGas} | {exception}}}}`.
 * A valid case must give the hash, sender and intrinsic gas; an invalid one must be rejected by L1 or by
 * the stateless L2 rules. Chain id 1.
 */
export function runTransactionTest(ctx: FixtureContext, file: FixtureFile): CaseResult[] {
  const results: CaseResult[] = []
  for (const [name, test] of Object.entries(file.json as Record<string, unknown>)) {
    const id = `${file.path}::${name}`
    const base = { id, format: 'transaction-test' } as const
    if (!isObject(test) || !isObject(test.result) || typeof test.txbytes !== 'string') {
      results.push({ ...base, status: 'failed', reason: 'not a transaction test' })
      continue
    }
    const forkKey = FORK_KEYS.find((k) => k in (test.result as object))
    if (forkKey === undefined) {
      results.push({ ...base, status: 'skipped', reason: 'no fork newer than Byzantium in the test' })
      continue
    }
    const expected = (test.result as Record<string, Record<string, string>>)[forkKey] ?? {}
    const fork = parseFork(forkKey)
    const verdict = validateEnvelope(ctx, {
      raw: fromHex(test.txbytes) ?? new Uint8Array([0xff]),
      chainId: 1n,
      fork,
    })
    const rejection = verdict.valid ? checkTransactionRules(verdict, fork) : verdict.reason
    if (expected.exception !== undefined) {
      if (rejection === undefined) {
        results.push({ ...base, status: 'failed', reason: `accepted, expected ${expected.exception}` })
      } else {
        results.push({
          ...base,
          status: 'passed',
          exceptionMatched: matchException(rejection.code, expected.exception),
        })
      }
      continue
    }
    if (!verdict.valid || rejection !== undefined) {
      results.push({
        ...base,
        status: 'failed',
        reason: `rejected (${rejection?.code}: ${rejection?.message})`,
      })
      continue
    }
    const problems: string[] = []
    if (verdict.hash !== expected.hash) problems.push(`hash ${verdict.hash} ≠ ${expected.hash}`)
    if (verdict.sender !== expected.sender?.toLowerCase())
      problems.push(`sender ${verdict.sender} ≠ ${expected.sender}`)
    if (verdict.intrinsicGas !== BigInt(expected.intrinsicGas ?? -1)) {
      problems.push(`intrinsic gas ${verdict.intrinsicGas} ≠ ${BigInt(expected.intrinsicGas ?? -1)}`)
    }
    results.push(
      problems.length === 0
        ? { ...base, status: 'passed' }
        : { ...base, status: 'failed', reason: problems.join('; ') },
    )
  }
  return results
}
