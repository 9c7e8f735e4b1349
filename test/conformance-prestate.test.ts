import assert from 'node:assert/strict'
import { test } from 'node:test'
import { assertConformant, runFixtureFolder } from './_harness/fixtures.ts'

test('every go-ethereum tracer test executes from its prestate to the traced gas, status, logs and diff', async () => {
  const summary = await runFixtureFolder('prestate/go-ethereum')
  assertConformant(summary, 87)
  assert.equal(summary.skipped, 0)
})
