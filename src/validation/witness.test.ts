import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { toHex } from './bytes.ts'
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

test('the EIP-7610 vector: a CREATE over an account with a non-empty storage root halts; listed slots alone say the same; captureWitness keeps the root', async () => {
  const vector = JSON.parse(
    readFileSync(new URL('../../docs/spec/vectors/witness-eip7610.json', import.meta.url), 'utf8'),
  ) as {
    witness: Record<string, unknown> & { prestate: Record<string, Record<string, unknown>> }
    expected: { status: string; gasUsed: string }
  }
  const run = async (json: unknown) => {
    const verdict = await executeTransaction(ctx, { witness: parseWitness(json) })
    assert.ok(verdict.valid && verdict.level === 'L3')
    return verdict
  }
  const verdict = await run(vector.witness)
  assert.deepEqual(
    [verdict.status, verdict.gasUsed.toString()],
    [vector.expected.status, vector.expected.gasUsed],
  )
  const [target, account] = Object.entries(vector.witness.prestate).find(
    ([, a]) => a.storageRoot !== undefined,
  ) as [string, Record<string, unknown>]
  const { storageRoot: _root, ...bare } = account
  const withSlot = { ...bare, storage: { '0x00': '0x2a' } }
  const slotted = await run({
    ...vector.witness,
    prestate: { ...vector.witness.prestate, [target]: withSlot },
  })
  assert.equal(slotted.status, vector.expected.status, 'a listed slot is storage too')
  const empty = await run({
    ...vector.witness,
    prestate: {
      ...vector.witness.prestate,
      [target]: {
        ...bare,
        storageRoot: `0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421`,
      },
    },
  })
  assert.equal(empty.status, 'success', 'the empty root is no storage')
  // Captured from a complete state that holds the slot, the minimal witness carries the real root.
  const captured = await captureWitness(ctx, {
    witness: parseWitness({
      ...vector.witness,
      prestate: { ...vector.witness.prestate, [target]: withSlot },
    }),
  })
  assert.equal(
    toHex(captured.witness.prestate.get(target)?.storageRoot ?? new Uint8Array()),
    account.storageRoot,
  )
  assert.equal(captured.witness.prestate.get(target)?.storage.size, 0, 'no slot was read')
  const again = await executeTransaction(ctx, { witness: captured.witness })
  assert.ok(
    again.valid && again.level === 'L3' && again.status === 'halted',
    'the captured witness halts too',
  )
})
