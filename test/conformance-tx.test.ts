import assert from 'node:assert/strict'
import { test } from 'node:test'
import { assertConformant, runFixtureFolder } from './_harness/fixtures.ts'

test('every ethereum/tests TransactionTest gives the expected sender, hash and intrinsic gas, or a rejection', async () => {
  const summary = await runFixtureFolder('tx/ethereum-tests')
  assertConformant(summary, 184)
  assert.equal(summary.skipped, 0)
  // The reason code corresponds to the expected exception class for nearly every rejection.
  assert.ok(summary.exceptionClasses.matched / summary.exceptionClasses.total > 0.95)
})

test('every ethers.js transaction decodes to its fields, signature and signer and re-encodes identically', async () => {
  const summary = await runFixtureFolder('tx/ethers.js')
  assertConformant(summary, 12_000)
})

test('every @ethereumjs/tx vector decodes and recovers its sender', async () => {
  assertConformant(await runFixtureFolder('tx/ethereumjs-monorepo'), 25)
})

test('every execution-spec-tests transaction-validity case is executed or rejected as expected', async () => {
  const summary = await runFixtureFolder('tx/functori-evm-fixtures')
  assertConformant(summary, 98)
  assert.equal(summary.skipped, 0)
})
