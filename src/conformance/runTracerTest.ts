import {
  type ExecutionAccepted,
  executeTransaction,
  normalizeAddress,
  parseWitness,
  type TracerAccount,
} from '../validation/index.ts'
import { isObject } from './detectFormat.ts'
import type { CaseResult, FixtureContext, FixtureFile } from './types.ts'

type Json = Record<string, unknown>

/**
 * go-ethereum tracer tests (`{genesis, context, input, result}`): the file is an Apiary witness as is. The
 * transaction must execute (geth's ApplyMessage returns no error), and whatever the tracer's result states
 * must agree: callTracer gas used, failure and output; logs (withLog); the diffMode post-state; for the
 * flat tracer the top call's gas and failure; for plain prestate files, every account the
 * execution changed must be in the captured prestate.
 */
export async function runTracerTest(ctx: FixtureContext, file: FixtureFile): Promise<CaseResult[]> {
  const base = { id: file.path, format: 'geth-tracer' } as const
  const json = file.json as Json
  const verdict = await executeTransaction(ctx, { witness: parseWitness(json) })
  if (!verdict.valid)
    return [
      { ...base, status: 'failed', reason: `rejected (${verdict.reason.code}: ${verdict.reason.message})` },
    ]
  const result = json.result
  const config = isObject(json.tracerConfig) ? json.tracerConfig : {}
  const problems: string[] = []
  if (Array.isArray(result)) problems.push(...checkFlatTrace(verdict, result as Json[]))
  else if (isObject(result) && 'gasUsed' in result) {
    problems.push(...checkCallFrame(verdict, result, config.withLog === true && config.onlyTopCall !== true))
  } else if (isObject(result) && config.diffMode === true) {
    problems.push(
      ...checkDiff(verdict, result, {
        code: config.disableCode !== true,
        storage: config.disableStorage !== true,
      }),
    )
  } else if (isObject(result)) problems.push(...checkPrestate(verdict, result, json))
  else problems.push('unknown tracer result')
  return [
    problems.length === 0
      ? { ...base, status: 'passed' }
      : { ...base, status: 'failed', reason: problems.slice(0, 5).join('; ') },
  ]
}

function checkCallFrame(verdict: ExecutionAccepted, frame: Json, withLog: boolean): string[] {
  const problems: string[] = []
  const gasUsed = BigInt(frame.gasUsed as string)
  if (verdict.gasUsed !== gasUsed) problems.push(`gas used ${verdict.gasUsed} ≠ ${gasUsed}`)
  const failed = frame.error !== undefined || frame.outOfGas === true
  if (failed !== (verdict.status !== 'success'))
    problems.push(`status ${verdict.status}, tracer error ${String(frame.error)}`)
  if (frame.error === 'execution reverted' && verdict.status !== 'reverted')
    problems.push(`status ${verdict.status}, expected reverted`)
  if (
    typeof frame.output === 'string' &&
    verdict.status !== 'halted' &&
    frame.type !== 'CREATE' &&
    frame.type !== 'CREATE2'
  ) {
    if (frame.output.toLowerCase() !== verdict.returnData) problems.push('return data differs')
  }
  if (withLog) {
    const want = collectLogs(frame).sort()
    const got = verdict.logs.map((l) => JSON.stringify([l.address, l.topics, l.data])).sort()
    if (JSON.stringify(want) !== JSON.stringify(got))
      problems.push(`logs differ (${got.length} vs ${want.length})`)
  }
  return problems
}

function collectLogs(frame: Json): string[] {
  if (frame.error !== undefined) return []
  const own = ((frame.logs as Json[] | undefined) ?? []).map((l) =>
    JSON.stringify([
      normalizeAddress(l.address as string),
      (l.topics as string[]).map((t) => t.toLowerCase()),
      (l.data as string).toLowerCase(),
    ]),
  )
  return [...own, ...((frame.calls as Json[] | undefined) ?? []).flatMap(collectLogs)]
}

function checkFlatTrace(verdict: ExecutionAccepted, trace: Json[]): string[] {
  const top = trace[0]
  if (top === undefined) return ['empty flat trace']
  const problems: string[] = []
  const failed = top.error !== undefined
  if (failed !== (verdict.status !== 'success'))
    problems.push(`status ${verdict.status}, tracer error ${String(top.error)}`)
  const gasUsed = (top.result as Json | undefined)?.gasUsed
  if (!failed && typeof gasUsed === 'string' && BigInt(gasUsed) !== verdict.gasUsed) {
    problems.push(`gas used ${verdict.gasUsed} ≠ ${BigInt(gasUsed)}`)
  }
  return problems
}

/**
 * Plain prestateTracer output lists every account the transaction touched. Execution must not have read
 * any account outside it, except the coinbase (which geth's tracer leaves out).
 */
function checkPrestate(verdict: ExecutionAccepted, captured: Json, test: Json): string[] {
  const keys = new Set(Object.keys(captured).map(normalizeAddress))
  const coinbase = normalizeAddress(String((test.context as Json | undefined)?.miner ?? ''))
  return verdict.unwitnessed
    .filter((address) => address !== coinbase && !keys.has(address))
    .map((address) => `execution read ${address}, which the tracer did not capture`)
}

function checkDiff(
  verdict: ExecutionAccepted,
  expected: Json,
  compare: { code: boolean; storage: boolean },
): string[] {
  const problems: string[] = []
  const want = normalizeKeys((expected.post as Record<string, TracerAccount>) ?? {})
  const got = verdict.stateDiff.post
  for (const address of new Set([...Object.keys(want), ...Object.keys(got)])) {
    const w = want[address]
    const g = got[address]
    if (w === undefined || g === undefined) {
      // with storage or code hidden, an account whose only change is there does not appear in `post`
      if (w === undefined && g !== undefined && (!compare.storage || !compare.code) && onlyHidden(g, compare))
        continue
      problems.push(
        `${address} ${w === undefined ? 'changed, expected unchanged' : 'unchanged, expected changed'}`,
      )
      continue
    }
    if (w.balance !== undefined && BigInt(w.balance) !== BigInt(g.balance ?? -1))
      problems.push(`${address} balance`)
    if (w.nonce !== undefined && w.nonce !== g.nonce)
      problems.push(`${address} nonce ${g.nonce} ≠ ${w.nonce}`)
    if (compare.code && w.code !== undefined && w.code.toLowerCase() !== g.code)
      problems.push(`${address} code`)
    if (!compare.storage) continue
    const ws = Object.fromEntries(
      Object.entries(w.storage ?? {}).map(([k, v]) => [k.toLowerCase(), BigInt(v)]),
    )
    const gs = Object.fromEntries(Object.entries(g.storage ?? {}).map(([k, v]) => [k, BigInt(v)]))
    if (JSON.stringify(ws, big) !== JSON.stringify(gs, big)) problems.push(`${address} storage`)
  }
  return problems
}

function normalizeKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [normalizeAddress(k), v]))
}

function big(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}

function onlyHidden(account: TracerAccount, compare: { code: boolean; storage: boolean }): boolean {
  return (
    account.balance === undefined &&
    account.nonce === undefined &&
    (compare.code || account.code === undefined) &&
    (compare.storage || account.storage === undefined)
  )
}
