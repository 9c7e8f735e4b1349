import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import SQLite from 'better-sqlite3'
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely'
import { Migrator } from 'kysely/migration'
import pg from 'pg'
import { DIALECTS, storeLocation } from '../../../test/_harness/postgres.ts'
import { storeSql } from '../../../test/_harness/storeSql.ts'
import { createMigrations } from './migrations.ts'
import { openStore, type Store } from './openStore.ts'

const agent = {
  level: 3,
  region: 'eu',
  maxInFlight: 8,
  payoutWallet: `0x${'a'.repeat(40)}`,
  agentVersion: 't',
}
const inclusion = (key: string, blockHash = '0xb1') => ({
  key,
  source: 'chain',
  block_number: 1,
  block_hash: blockHash,
  tx_index: 0,
  tx_hash: `0x${'1'.repeat(64)}`,
  witness: new Uint8Array([1, 2, 3]),
  state: 'pending' as const,
  created_at: 10,
})

async function withStore(dialect: (typeof DIALECTS)[number], run: (store: Store) => Promise<void>) {
  const store = await openStore(await storeLocation(dialect))
  try {
    await run(store)
  } finally {
    await store.close()
  }
}

for (const dialect of DIALECTS) {
  test(`store (${dialect}): agents register with a new session each time; a heartbeat credits the open epoch's uptime, capped, only in the current session`, async () => {
    await withStore(dialect, async (store) => {
      assert.equal(await store.agents.register('bee', agent, 1000), 1)
      assert.equal(await store.agents.register('bee', { ...agent, region: 'us' }, 2000), 2)
      assert.equal((await store.agents.get('bee'))?.region, 'us')
      await store.epochs.add({
        number: 1,
        started_at: 0,
        reward_wei: '0',
        delegate_cut_wei: '0',
        deposit_wei: '0',
      })
      assert.equal(await store.agents.heartbeat('bee', 2, 2500, 10_000), true)
      assert.equal(
        await store.agents.heartbeat('bee', 2, 100_000, 10_000),
        true,
        'a long gap counts as the cap',
      )
      assert.equal(await store.agents.heartbeat('bee', 1, 100_500, 10_000), false, 'a stale session')
      assert.deepEqual(await storeSql(store).all('SELECT epoch, agent_id, ms FROM epoch_uptime'), [
        { epoch: 1, agent_id: 'bee', ms: 10_500 },
      ])
      assert.equal(await store.agents.count(), 1)
    })
  })

  test(`store (${dialect}): a group commit stores every write of the turn or none; a failing write fails all its callers`, async () => {
    await withStore(dialect, async (store) => {
      await store.work.addInclusions([inclusion('a'), inclusion('b')])
      const ok = await Promise.allSettled([
        store.batch((ops) => ops.work.reject('bee', ['LATE'])),
        store.batch((ops) => ops.work.reject('bee', ['LATE', 'MALFORMED'])),
      ])
      assert.deepEqual(
        ok.map((r) => r.status),
        ['fulfilled', 'fulfilled'],
      )
      assert.deepEqual(await store.agents.rejections('bee'), { LATE: 2, MALFORMED: 1 })
      const failing = await Promise.allSettled([
        store.batch((ops) => ops.work.reject('wasp', ['LATE'])),
        // The same task twice: the primary key refuses the second row, the whole group rolls back.
        store.batch((ops) =>
          ops.work.addAssignments([
            { task_id: 't', inclusion: 'a', level: 1, agent_id: 'wasp', assigned_at: 1, deadline: 2 },
            { task_id: 't', inclusion: 'a', level: 1, agent_id: 'wasp', assigned_at: 1, deadline: 2 },
          ]),
        ),
      ])
      assert.deepEqual(
        failing.map((r) => r.status),
        ['rejected', 'rejected'],
      )
      assert.deepEqual(await store.agents.rejections('wasp'), {}, 'the first write was rolled back too')
      assert.equal((await store.work.totals()).rejected, 3)
    })
  })

  test(`store (${dialect}): inclusions are stored once, settled once, and their witnesses read back byte for byte`, async () => {
    await withStore(dialect, async (store) => {
      assert.deepEqual([...(await store.work.addInclusions([inclusion('a'), inclusion('b')]))], ['a', 'b'])
      assert.deepEqual(
        [...(await store.work.addInclusions([inclusion('a')]))],
        [],
        'a stored key is left as it is',
      )
      assert.deepEqual(await store.work.witness('a'), Buffer.from([1, 2, 3]))
      assert.equal(await store.work.settle('a', 'final', '{"valid":true}'), true)
      assert.equal(await store.work.settle('a', 'orphaned', null), false, 'settled once')
      assert.deepEqual(await store.work.truth('a'), { truth: '{"valid":true}', state: 'final' })
      assert.deepEqual(await store.work.pendingIn('0xb1'), ['b'])
      assert.deepEqual(
        (await store.work.due(5, 10)).map((r) => r.key),
        ['b'],
      )
    })
  })

  test(`store (${dialect}): the chain index takes blocks in and unwinds them with their transactions`, async () => {
    await withStore(dialect, async (store) => {
      assert.equal(await store.chain.cursor(), undefined)
      const tx = (n: number, i: number) => ({
        block_number: n,
        tx_index: i,
        tx_hash: `0x${n}${i}`,
        sender: `0x${'5'.repeat(40)}`,
        recipient: null,
        value_wei: '1',
        nonce: i,
      })
      await store.transaction((ops) =>
        ops.chain.addBlock(
          { number: 7, hash: '0x7', parent_hash: '0x6', transactions: 2, followed_at: 1 },
          [],
          [tx(7, 0), tx(7, 1)],
        ),
      )
      await store.transaction((ops) =>
        ops.chain.addBlock(
          { number: 8, hash: '0x8', parent_hash: '0x7', transactions: 1, followed_at: 2 },
          [],
          [tx(8, 0)],
        ),
      )
      assert.equal(await store.chain.cursor(), 8)
      assert.deepEqual(await store.chain.indexed(), { from: 7, to: 8 })
      assert.deepEqual(
        (await store.chain.transactionsOf(`0x${'5'.repeat(40)}`, 100, 2)).map((r) => r.tx_hash),
        ['0x80', '0x71'],
      )
      await store.transaction((ops) => ops.chain.unwind(8))
      assert.equal(await store.chain.blockHash(8), undefined)
      assert.equal((await store.chain.transactionsOf(`0x${'5'.repeat(40)}`, 100, 10)).length, 2)
    })
  })

  test(`store (${dialect}): meta binds a value once; the outbox keeps one transaction per subject`, async () => {
    await withStore(dialect, async (store) => {
      assert.equal(await store.meta.bind('chain', '1:0xaa'), '1:0xaa')
      assert.equal(await store.meta.bind('chain', '2:0xbb'), '1:0xaa', 'the first value stays')
      const tx = { key: 'settle:1', sender: '0xs', raw_tx: '0x01', tx_hash: '0xh1', nonce: 4, created_at: 1 }
      await store.outbox.put(tx)
      assert.equal((await store.outbox.sending()).length, 1)
      await store.outbox.mined('settle:1', 99)
      assert.deepEqual(await store.outbox.get('settle:1'), { ...tx, state: 'mined', mined_block: 99 })
      await store.outbox.put({ ...tx, tx_hash: '0xh2', nonce: 5 })
      assert.deepEqual(await store.outbox.get('settle:1'), {
        ...tx,
        tx_hash: '0xh2',
        nonce: 5,
        state: 'sending',
        mined_block: null,
      })
    })
  })

  test(`store (${dialect}): a seal is recorded with its bundle's files, byte for byte, or not at all`, async () => {
    await withStore(dialect, async (store) => {
      const seal = {
        epoch: 4,
        dir: 'epoch-000004',
        cid: 'bafy',
        job_root: '0xj',
        payout_root: '0xp',
        jobs: 1,
        model: 'f1',
        distributed_wei: '0',
        signer: '0xs',
        sealed_at: 1,
        anchor: 'none' as const,
        registry: null,
      }
      const files = { 'SUMMARY.json': Buffer.from('{"a":1}'), 'epoch-000004.car': Buffer.from([0, 1, 255]) }
      await store.transaction((ops) => ops.seals.add(seal, files))
      assert.deepEqual(await store.seals.files(4, ['SUMMARY.json', 'epoch-000004.car', 'jobs.json']), files)
      // The same epoch again: the seal's key refuses it, and none of its files is kept either.
      await assert.rejects(
        store.transaction((ops) =>
          ops.seals.add({ ...seal, epoch: 5 }, files).then(() => ops.seals.add(seal, {})),
        ),
      )
      assert.deepEqual(await store.seals.files(5, ['SUMMARY.json']), {})
    })
  })

  test(`store (${dialect}): migrating a store with transactions in flight moves them into the outbox`, async () => {
    const location = await storeLocation(dialect, join(mkdtempSync(join(tmpdir(), 'apiary-store-')), 'c.db'))
    // A store as the release before the outbox left it: an epoch and a seal each with a stored transaction.
    const db = new Kysely<unknown>({
      dialect:
        'url' in location
          ? new PostgresDialect({ pool: new pg.Pool({ connectionString: location.url }) })
          : new SqliteDialect({ database: new SQLite(location.path) }),
    })
    const migrations = createMigrations(dialect)
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } })
    assert.equal((await migrator.migrateTo('0007_canary_columns')).error, undefined)
    const q = storeSql({ db: db as never, dialect })
    await q.run(
      "INSERT INTO epochs (number, started_at, reward_wei, delegate_cut_wei, deposit_wei, settlement, raw_tx, tx_hash, tx_nonce) VALUES (3, 0, '1', '0', '1', 'sending', '0xraw3', '0xhash3', 7)",
    )
    await q.run(
      "INSERT INTO seals (epoch, dir, cid, job_root, payout_root, jobs, model, distributed_wei, signer, sealed_at, anchor, anchor_raw_tx, anchor_tx_hash, anchor_nonce) VALUES (3, 'd', 'c', 'j', 'p', 1, 'f1', '0', 's', 0, 'sending', '0xraw4', '0xhash4', 8)",
    )
    await db.destroy()
    const after = await openStore(location)
    try {
      assert.deepEqual(
        (await after.outbox.sending()).map((r) => [r.key, r.raw_tx, r.tx_hash, r.nonce]).sort(),
        [
          ['anchor:3', '0xraw4', '0xhash4', 8],
          ['settle:3', '0xraw3', '0xhash3', 7],
        ],
      )
    } finally {
      await after.close()
    }
  })
}
