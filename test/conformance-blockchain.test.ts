import { test } from 'node:test'
import { assertConformant, runFixtureFolder } from './_harness/fixtures.ts'

test('every one-block BlockchainTest gives the header gas used and the full post-state', async () => {
  assertConformant(await runFixtureFolder('state/ethereum-tests/BlockchainTests'), 746)
})
