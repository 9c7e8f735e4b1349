import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseAmount } from './parseAmount.ts'

test('parseAmount() reads wei and units, and refuses what is not a whole number of wei', () => {
  assert.equal(parseAmount('1000'), 1000n)
  assert.equal(parseAmount('0.5ether'), 5n * 10n ** 17n)
  assert.equal(parseAmount('0.5 ETH'), 5n * 10n ** 17n)
  assert.equal(parseAmount('20gwei'), 20n * 10n ** 9n)
  assert.equal(parseAmount('7wei'), 7n)
  for (const bad of ['', '-1', '1.5', '1.5wei', '0.0000000001gwei', '1 bitcoin', '1e18'])
    assert.throws(() => parseAmount(bad), /APIARY_AMOUNT_INVALID|not an amount|whole number/, bad)
})
