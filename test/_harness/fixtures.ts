import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type RunFixturesReturnType, runFixtures } from '../../src/conformance/index.ts'
import { createEngineCrypto, createVmPool } from '../../src/validation/index.ts'

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
/** The shared fixtures live beside the repository (`../shared`), never inside it. */
export const FIXTURES = resolve(REPO_ROOT, '..', 'shared', 'fixtures', 'evm')

/** The only skip reasons docs/conformance.md accepts. */
export const ACCEPTED_SKIPS = new Set([
  'EVM speed stress test (0.5–6.2 Ggas of MUL loops per case); runs with --include-slow',
  'the vector names a sender its own signature does not recover (@ethereumjs/tx agrees with us)',
  'ethers signs a type-3 transaction without blobs, which EIP-4844 forbids',
])

export async function runFixtureFolder(relativePath: string): Promise<RunFixturesReturnType> {
  const root = join(FIXTURES, relativePath)
  assert.ok(existsSync(root), `${root} is missing: the shared fixtures must sit beside the repository`)
  const crypto = createEngineCrypto()
  return runFixtures({ crypto, vms: createVmPool(crypto) }, { root })
}

/** Asserts that nothing failed, every skip has an accepted reason, and at least `minCases` cases ran. */
export function assertConformant(summary: RunFixturesReturnType, minCases: number): void {
  const failures = summary.failures.slice(0, 10).map((f) => `${f.id}: ${f.reason}`)
  assert.deepEqual(failures, [], `${summary.failed} case(s) failed`)
  for (const reason of Object.keys(summary.skipReasons))
    assert.ok(ACCEPTED_SKIPS.has(reason), `unaccepted skip: ${reason}`)
  assert.ok(summary.passed >= minCases, `only ${summary.passed} cases passed, expected at least ${minCases}`)
  assert.deepEqual(summary.unrecognized, [])
}
