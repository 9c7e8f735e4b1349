import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { JobRow } from './index.ts'
import { openStore } from './index.ts'

const job = (id: string, patch: Partial<JobRow>): JobRow => ({
  id,
  client: '0xc1',
  type: 'evm.simulate',
  asset: 'coin',
  state: 'queued',
  max_fee: '100',
  fee: null,
  input: '{}',
  witness: null,
  output: null,
  output_sha256: null,
  error: null,
  rounds: 1,
  epoch: null,
  created_at: 1,
  started_at: null,
  finished_at: null,
  expires_at: 10_000,
  ...patch,
})

test("a client's money is held by its open jobs and by charges the escrow balance read does not show yet", async () => {
  const store = await openStore({ path: ':memory:' })
  try {
    await store.jobs.insert(job('open', {}))
    await store.jobs.insert(job('done', { state: 'completed', fee: '30', finished_at: 5 }))
    await store.jobs.insert(job('gone', { state: 'canceled', finished_at: 5 }))
    assert.deepEqual(await store.jobs.holds('0xc1', 'coin', 0), { reserved: 100n, charged: 30n, open: 1 })

    // The epoch closes: the completed job joins it with its charge.
    const charges = await store.jobs.closeEpoch(7, 6)
    assert.deepEqual(charges, [{ asset: 'coin', client: '0xc1', amount: '30', jobs: 1 }])
    await store.jobs.addCharges(
      charges.map((c) => ({ ...c, epoch: 7 })),
      [{ epoch: 7, asset: 'coin', root: '0xroot', total: '30', clients: 1 }],
    )
    assert.equal((await store.jobs.holds('0xc1', 'coin', 100)).charged, 30n, 'owed: still held')
    // Charged on-chain in block 50: a balance read at block 49 still holds it; from block 50 it does not.
    await store.jobs.charged(7, 'coin', '0xtx', 50)
    assert.equal((await store.jobs.holds('0xc1', 'coin', 49)).charged, 30n)
    assert.equal((await store.jobs.holds('0xc1', 'coin', 50)).charged, 0n)
    // A job completed after the close joins the next epoch, not this one.
    await store.jobs.insert(job('later', { state: 'completed', fee: '5', finished_at: 6 }))
    assert.deepEqual(await store.jobs.closeEpoch(7, 6), [
      { asset: 'coin', client: '0xc1', amount: '30', jobs: 1 },
    ])
    assert.deepEqual(await store.jobs.closeEpoch(8, 100), [
      { asset: 'coin', client: '0xc1', amount: '5', jobs: 1 },
    ])
    // A transition happens once: a completed job is never completed (charged) again.
    assert.equal(
      await store.jobs.transition('open', ['queued', 'running'], { state: 'completed', fee: '1' }),
      true,
    )
    assert.equal(
      await store.jobs.transition('open', ['queued', 'running'], { state: 'completed', fee: '1' }),
      false,
    )
  } finally {
    await store.close()
  }
})
