import {
  executeTransaction,
  FORKS,
  type Fork,
  forkAtLeast,
  logsHash,
  parseWitness,
  stateRoot,
  toHex,
} from '../validation/index.ts'
import { comparePostState } from './comparePostState.ts'
import { isObject } from './detectFormat.ts'
import { matchException } from './matchException.ts'
import type { CaseResult, FixtureContext, FixtureFile } from './types.ts'

/** The forks whose entries are run; older ones are skipped with a stated reason. */
export const STATE_TEST_FORKS: readonly Fork[] = ['shanghai', 'cancun', 'prague']

interface PostEntry {
  txbytes: string
  hash: string
  logs: string
  indexes: { data: number; gas: number; value: number }
  expectException?: string
  state?: Record<string, never>
}

/**
 * State tests (ethereum/tests GeneralStateTests and execution-spec-tests): each post entry is turned into an
 * Apiary witness (docs/spec/witness.md), executed at L3, and compared with the expected post-state (or its
 * MPT root), the logs hash, and the expected exception.
 */
export async function runStateTest(ctx: FixtureContext, file: FixtureFile): Promise<CaseResult[]> {
  const results: CaseResult[] = []
  for (const [name, test] of Object.entries(file.json as Record<string, Record<string, unknown>>)) {
    const env = test.env as Record<string, string>
    const config = isObject(test.config) ? test.config : {}
    for (const [forkKey, entries] of Object.entries(test.post as Record<string, PostEntry[]>)) {
      const fork = FORKS.find((f) => f.toLowerCase() === forkKey.toLowerCase())
      for (const entry of entries) {
        const { data, gas, value } = entry.indexes
        const base = {
          id: `${file.path}::${name}::${forkKey}/d${data}g${gas}v${value}`,
          format: 'state-test',
        } as const
        if (fork === undefined || !STATE_TEST_FORKS.includes(fork)) {
          const reason =
            fork !== undefined && forkAtLeast(fork, 'osaka') ? 'newer than Prague' : 'older than Shanghai'
          results.push({
            ...base,
            status: 'skipped',
            reason: `fork ${forkKey} is ${fork === undefined ? 'unknown' : reason}`,
          })
          continue
        }
        results.push({ ...base, ...(await runEntry(ctx, { env, config, pre: test.pre, fork, entry })) })
      }
    }
  }
  return results
}

async function runEntry(
  ctx: FixtureContext,
  {
    env,
    config,
    pre,
    fork,
    entry,
  }: {
    env: Record<string, string>
    config: Record<string, unknown>
    pre: unknown
    fork: Fork
    entry: PostEntry
  },
): Promise<Pick<CaseResult, 'status' | 'reason' | 'exceptionMatched'>> {
  const number = BigInt(env.currentNumber ?? 0)
  const blockHashes: Record<string, string> = {}
  for (let n = number > 256n ? number - 256n : 0n; n < number; n++) {
    blockHashes[n.toString()] = toHex(ctx.crypto.keccak256(new TextEncoder().encode(n.toString())))
  }
  const witness = parseWitness({
    version: 1,
    chainId: (config.chainid as string | undefined) ?? '1',
    fork,
    transaction: entry.txbytes,
    block: {
      number: env.currentNumber,
      timestamp: env.currentTimestamp,
      coinbase: env.currentCoinbase,
      gasLimit: env.currentGasLimit,
      baseFeePerGas: env.currentBaseFee,
      difficulty: env.currentDifficulty,
      prevRandao: env.currentRandom,
      excessBlobGas: env.currentExcessBlobGas,
    },
    blockHashes,
    prestate: pre,
  })
  const verdict = await executeTransaction(ctx, { witness })
  if (entry.expectException !== undefined) {
    if (verdict.valid) return { status: 'failed', reason: `executed, expected ${entry.expectException}` }
    return { status: 'passed', exceptionMatched: matchException(verdict.reason.code, entry.expectException) }
  }
  if (!verdict.valid)
    return { status: 'failed', reason: `rejected (${verdict.reason.code}: ${verdict.reason.message})` }
  const problems: string[] = []
  const logs = toHex(logsHash(ctx.crypto, verdict.logs))
  if (logs !== entry.logs.toLowerCase()) problems.push(`logs hash ${logs} ≠ ${entry.logs}`)
  if (entry.state !== undefined) problems.push(...comparePostState(entry.state, verdict.postState))
  else {
    const root = toHex(await stateRoot(ctx.crypto, verdict.postState))
    if (root !== entry.hash.toLowerCase()) problems.push(`state root ${root} ≠ ${entry.hash}`)
  }
  return problems.length === 0 ? { status: 'passed' } : { status: 'failed', reason: problems.join('; ') }
}
