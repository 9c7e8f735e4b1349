import assert from 'node:assert/strict'
import { test } from 'node:test'
import { assertConformant, runFixtureFolder } from './_harness/fixtures.ts'

test('every Shanghai, Cancun and Prague execution-spec-tests state test gives the exact post-state', async () => {
  const summary = await runFixtureFolder('state/functori-evm-fixtures')
  assertConformant(summary, 330)
  assert.equal(summary.skipped, 0)
})

test('every ethereum/tests Cancun GeneralStateTest gives the expected state root and logs hash', async () => {
  assertConformant(await runFixtureFolder('state/ethereum-tests/GeneralStateTests'), 746)
})
