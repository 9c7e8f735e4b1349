import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { GENERATED, renderContracts } from '../contracts/build.ts'

test('src/chain/contracts.generated.ts is what contracts/build.ts compiles from contracts/*.sol', () => {
  assert.equal(readFileSync(GENERATED, 'utf8'), renderContracts(), 'stale: run npm run contracts')
})
