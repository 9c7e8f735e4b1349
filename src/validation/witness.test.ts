import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { captureWitness } from './captureWitness.ts'
import { createEngineCrypto } from './crypto.ts'
import { executeTransaction } from './executeTransaction.ts'
import { parseWitness } from './parseWitness.ts'
import { validateEnvelope } from './validateEnvelope.ts'
import { validateState } from './validateState.ts'
import { createVmPool } from './vmPool.ts'

// biome-ignore lint/suspicious/noExplicitAny: a JSON document edited field by field
type WitnessJson = any

const vector = JSON.parse(
  readFileSync(new URL('../../docs/spec/vectors/witness-transfer.json', import.meta.url), 'utf8'),
)
const crypto = createEngineCrypto()
const ctx = { crypto, vms: createVmPool(crypto) }

function witnessWith(change: (w: WitnessJson) => void) {
  const json = structuredClone(vector.witness)
  change(json)
  return parseWitness(json)
}

test('the witness vector gives the L1 result worked out in docs/spec/vectors', () => {
  const witness = parseWitness(vector.witness)
  const verdict = validateEnvelope(ctx, {
    raw: witness.transaction,
    chainId: witness.chainId,
    fork: witness.fork,
  })
  assert.equal(verdict.valid, true)
  if (!verdict.valid) return
  assert.equal(verdict.hash, vector.expected.L1.hash)
  assert.equal(verdict.sender, vector.expected.L1.sender)
  assert.equal(verdict.intrinsicGas, BigInt(vector.expected.L1.intrinsicGas))
  assert.equal(verdict.floorGas, BigInt(vector.expected.L1.floorGas))
})

test('the witness vector gives the L2 upfront cost', () => {
  const verdict = validateState(ctx, { witness: parseWitness(vector.witness) })
  assert.equal(verdict.valid, true)
  if (verdict.valid) assert.equal(verdict.upfrontCost, BigInt(vector.expected.L2.upfrontCost))
})

test('the witness vector gives the L3 receipt and state diff', async () => {
  const verdict = await executeTransaction(ctx, { witness: parseWitness(vector.witness) })
  assert.equal(verdict.valid, true)
  if (!verdict.valid) return
  assert.equal(verdict.status, vector.expected.L3.status)
  assert.equal(verdict.gasUsed, BigInt(vector.expected.L3.gasUsed))
  assert.deepEqual(verdict.logs, vector.expected.L3.logs)
  assert.equal(verdict.returnData, vector.expected.L3.returnData)
  assert.deepEqual(verdict.stateDiff.post, vector.expected.L3.stateDiff.post)
  assert.deepEqual(verdict.unwitnessed, [
    '0x000000000000000000000000000000000000beef',
    '0x00000000000000000000000000000000c0ffee00',
  ])
})

test('each single-field change in the vector gives its documented rejection', async () => {
  const changes: Record<string, (w: WitnessJson) => void> = {
    'prestate sender nonce 1': (w) => {
      w.prestate['0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b'].nonce = 1
    },
    'prestate sender balance 0x1': (w) => {
      w.prestate['0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b'].balance = '0x1'
    },
    'block baseFeePerGas 40000000000': (w) => {
      w.block.baseFeePerGas = '40000000000'
    },
    'chainId 5': (w) => {
      w.chainId = 5
    },
  }
  for (const rejection of vector.rejections as Array<{ change: string; level: string; code: string }>) {
    const change = changes[rejection.change]
    assert.ok(change, `no test for "${rejection.change}"`)
    const verdict = await executeTransaction(ctx, { witness: witnessWith(change) })
    assert.equal(verdict.valid, false, rejection.change)
    if (!verdict.valid) assert.equal(verdict.reason.code, rejection.code, rejection.change)
  }
})

test('parseWitness() rejects a witness without a prestate, with a path to the problem', () => {
  assert.throws(
    () => witnessWith((w) => delete w.prestate),
    (error: Error & { code?: string }) => error.code === 'WITNESS_INVALID' && /prestate/.test(error.message),
  )
  assert.throws(
    () => witnessWith((w) => (w.fork = 'atlantis')),
    (error: Error & { code?: string }) => error.code === 'FORK_UNKNOWN',
  )
})

test('executeTransaction() gives the same verdict with and without a VM pool, and for concurrent calls', async () => {
  const witness = parseWitness(vector.witness)
  const fresh = await executeTransaction({ crypto }, { witness })
  const pooled = await Promise.all(Array.from({ length: 4 }, () => executeTransaction(ctx, { witness })))
  for (const verdict of pooled) {
    assert.equal(verdict.valid && verdict.gasUsed, fresh.valid && fresh.gasUsed)
    assert.deepEqual(verdict.valid && verdict.stateDiff, fresh.valid && fresh.stateDiff)
  }
})

test('captureWitness() keeps only what execution read, and the captured witness re-executes identically', async () => {
  const full = witnessWith((w) => {
    w.prestate['0x00000000000000000000000000000000000000aa'] = { balance: '0x1', storage: { '0x01': '0x02' } }
  })
  const { verdict, witness } = await captureWitness(ctx, { witness: full })
  assert.deepEqual([...witness.prestate.keys()], ['0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b'])
  const again = await executeTransaction(ctx, { witness })
  assert.ok(verdict.valid && again.valid)
  assert.equal(again.gasUsed, verdict.gasUsed)
  assert.deepEqual(again.stateDiff, verdict.stateDiff)
})
