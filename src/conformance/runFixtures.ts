import { readdir, readFile } from 'node:fs/promises'
import { matchesGlob, relative, resolve, sep } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { detectFormat } from './detectFormat.ts'
import { runBlockchainTest } from './runBlockchainTest.ts'
import { runEthereumjsTransactions } from './runEthereumjsTransactions.ts'
import { runEthersTransactions } from './runEthersTransactions.ts'
import { runStateTest } from './runStateTest.ts'
import { runTracerTest } from './runTracerTest.ts'
import { runTransactionTest } from './runTransactionTest.ts'
import type { CaseResult, FixtureContext, FixtureFile, FixtureFormat } from './types.ts'

export interface RunFixturesParameters {
  /** A directory (walked recursively) or one file. */
  root: string
  /** Only files whose path relative to `root` matches this glob (`*` within a folder, `**` across). */
  filter?: string | undefined
  /** Also run the EVM speed stress tests listed in `SLOW_FIXTURES` (minutes each on @ethereumjs/vm). */
  includeSlow?: boolean | undefined
  /** Stops the run between two files; the summary then says `interrupted`. */
  signal?: AbortSignal | undefined
  /** Called after each file, for progress output. */
  onFile?: ((path: string, results: readonly CaseResult[]) => void) | undefined
}

export interface FormatSummary {
  cases: number
  passed: number
  failed: number
  skipped: number
}

export interface RunFixturesReturnType extends FormatSummary {
  files: number
  /** True when `signal` stopped the run before every file was read. */
  interrupted: boolean
  /** Files that hold no format we know; listed, never counted as cases. */
  unrecognized: string[]
  byFormat: Partial<Record<FixtureFormat, FormatSummary>>
  /** Skip reason → count. */
  skipReasons: Record<string, number>
  /** Expected rejections whose reason code corresponds to the fixture's exception name / all expected rejections. */
  exceptionClasses: { matched: number; total: number }
  failures: CaseResult[]
}

/**
 * Runs every fixture case under `root`, detecting each file's format (docs/conformance.md). A file that
 * cannot be read or parsed is a failed case; a case never crashes the run.
 */
export async function runFixtures(
  ctx: FixtureContext,
  params: RunFixturesParameters,
): Promise<RunFixturesReturnType> {
  const root = resolve(params.root)
  const paths = (await listFiles(root)).filter((p) => /\.json(\.gz)?$/.test(p))
  const summary: RunFixturesReturnType = {
    files: 0,
    interrupted: false,
    cases: 0,
    passed: 0,
    failed: 0,
    skipped: 0,
    unrecognized: [],
    byFormat: {},
    skipReasons: {},
    exceptionClasses: { matched: 0, total: 0 },
    failures: [],
  }
  for (const absolute of paths) {
    const path = relative(root, absolute).split(sep).join('/') || absolute.split(sep).at(-1) || absolute
    if (params.filter !== undefined && !matches(path, params.filter)) continue
    if (params.signal?.aborted === true) {
      summary.interrupted = true
      break
    }
    summary.files++
    const slow =
      params.includeSlow === true ? undefined : SLOW_FIXTURES.find((s) => matchesGlob(path, `**/${s.glob}`))
    const results = await runFile(ctx, absolute, path, summary, slow?.reason)
    for (const result of results) add(summary, result)
    params.onFile?.(path, results)
  }
  return summary
}

/**
 * Files that test how fast a client is rather than what it computes: billions of gas of arithmetic loops.
 * @ethereumjs/vm needs many minutes for each, so they run only with `includeSlow` (`--include-slow`).
 */
export const SLOW_FIXTURES = [
  {
    glob: 'VMTests/vmPerformance/loopMul.json',
    reason: 'EVM speed stress test (0.5–6.2 Ggas of MUL loops per case); runs with --include-slow',
  },
] as const

/** One skipped case for every case the file holds. */
function skipFile(path: string, format: FixtureFormat, json: unknown, reason: string): CaseResult[] {
  const tests = Object.entries(json as Record<string, { post?: Record<string, unknown[]> }>)
  return tests.flatMap(([name, test]) => {
    const entries = format === 'state-test' ? Object.values(test.post ?? {}).flat() : [test]
    return entries.map((_, i) => ({
      id: `${path}::${name}#${i}`,
      format,
      status: 'skipped' as const,
      reason,
    }))
  })
}

async function runFile(
  ctx: FixtureContext,
  absolute: string,
  path: string,
  summary: RunFixturesReturnType,
  skipReason: string | undefined,
): Promise<CaseResult[]> {
  let json: unknown
  try {
    const bytes = await readFile(absolute)
    json = JSON.parse((absolute.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8'))
  } catch (error) {
    return [
      { id: path, format: 'transaction-test', status: 'failed', reason: `unreadable: ${message(error)}` },
    ]
  }
  const format = detectFormat(json)
  if (format === undefined) {
    summary.unrecognized.push(path)
    return []
  }
  if (skipReason !== undefined) return skipFile(path, format, json, skipReason)
  const file: FixtureFile = { path, json }
  try {
    switch (format) {
      case 'transaction-test':
        return runTransactionTest(ctx, file)
      case 'ethers-transactions':
        return runEthersTransactions(ctx, file)
      case 'ethereumjs-transactions':
        return runEthereumjsTransactions(ctx, file)
      case 'state-test':
        return await runStateTest(ctx, file)
      case 'blockchain-test':
        return await runBlockchainTest(ctx, file)
      case 'geth-tracer':
        return await runTracerTest(ctx, file)
    }
  } catch (error) {
    return [{ id: path, format, status: 'failed', reason: `crashed: ${message(error)}` }]
  }
}

function add(summary: RunFixturesReturnType, result: CaseResult): void {
  const f = summary.byFormat[result.format] ?? { cases: 0, passed: 0, failed: 0, skipped: 0 }
  summary.byFormat[result.format] = f
  summary.cases++
  f.cases++
  summary[result.status]++
  f[result.status]++
  if (result.status === 'skipped') {
    const reason = result.reason ?? 'unstated'
    summary.skipReasons[reason] = (summary.skipReasons[reason] ?? 0) + 1
  }
  if (result.status === 'failed') summary.failures.push(result)
  if (result.exceptionMatched !== undefined) {
    summary.exceptionClasses.total++
    if (result.exceptionMatched) summary.exceptionClasses.matched++
  }
}

function matches(path: string, glob: string): boolean {
  return (
    matchesGlob(path, glob) ||
    (!glob.includes('/') && matchesGlob(path.split('/').at(-1) ?? path, glob)) ||
    matchesGlob(path, `**/${glob}`)
  )
}

async function listFiles(root: string): Promise<string[]> {
  try {
    const entries = await readdir(root, { recursive: true, withFileTypes: true })
    return entries
      .filter((e) => e.isFile())
      .map((e) => resolve(e.parentPath, e.name))
      .sort()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return [root]
    throw error
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
