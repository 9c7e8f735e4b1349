import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { DIALECTS, storeLocation } from '../../../test/_harness/postgres.ts'
import { storeSql } from '../../../test/_harness/storeSql.ts'
import { computeWeights, splitDeposit } from '../../epoch/index.ts'
import { createLogger } from '../../internal/logger.ts'
import { openStore } from '../store/index.ts'
import { closeEpoch, openEpoch } from './closeEpoch.ts'
import { createEpochClock } from './createEpochClock.ts'

const params = { bonusAccuracyBps: 9950, bonusMultiplierBps: 12_000, minTasks: 10 }
const work = (agentId: string, scored: number, matched: number, canariesFailed = 0) => ({
  agentId,
  wallet: `0x${agentId}`,
  scored,
  matched,
  points: BigInt(matched) * 1000n,
  canariesFailed,
})

test('computeWeights(): points, ×1.2 at ≥ 99.5% accuracy, 0 under the minimum or after a wrong canary, ranks shared on ties', () => {
  const weights = computeWeights(
    [
      work('a', 100, 100),
      work('b', 200, 200),
      work('c', 100, 99),
      work('d', 9, 9),
      work('e', 100, 100),
      work('f', 50, 0),
      work('g', 100, 100, 1),
    ],
    params,
  )
  const byId = Object.fromEntries(weights.map((w) => [w.agentId, w]))
  assert.equal(byId.b?.weight, 240_000n)
  assert.equal(byId.a?.weight, 120_000n)
  assert.equal(byId.c?.weight, 99_000n, '99.00% is under the bonus threshold')
  assert.equal(byId.c?.accuracyBps, 9900)
  assert.equal(byId.d?.weight, 0n, '9 scored tasks are under --min-tasks 10')
  assert.equal(byId.f?.weight, 0n, 'nothing matched')
  assert.equal(byId.g?.weight, 0n, 'one wrong canary voids the epoch')
  assert.deepEqual(
    weights.map((w) => [w.agentId, w.rank]),
    [
      ['b', 1],
      ['a', 2],
      ['e', 2],
      ['c', 4],
      ['d', 0],
      ['f', 0],
      ['g', 0],
    ],
  )
  // Integer arithmetic: a multiplier that does not divide evenly is floored.
  const odd = computeWeights([work('x', 3, 3)], { ...params, minTasks: 1, bonusMultiplierBps: 12_345 })
  assert.equal(odd[0]?.weight, 3703n)
})

test('splitDeposit(): the AgentRewardPool split, with the rounding dust carried', () => {
  // ioSwarm's reference case: 100 / 200 / 100 tasks, pool 90 after a 10% cut of 100.
  const pool = 90n * 10n ** 18n
  const { credits, carried } = splitDeposit({
    weights: new Map([
      ['0xa', 120_000n],
      ['0xb', 240_000n],
      ['0xc', 120_000n],
    ]),
    amount: pool,
  })
  assert.deepEqual([...credits.values()], [22_500n * 10n ** 15n, 45n * 10n ** 18n, 22_500n * 10n ** 15n])
  assert.equal(carried, 0n)
  const uneven = splitDeposit({
    weights: new Map([
      ['0xa', 1n],
      ['0xb', 2n],
    ]),
    amount: 10n,
  })
  assert.deepEqual([...uneven.credits.values()], [3n, 6n])
  assert.equal(uneven.carried, 1n)
  const nobody = splitDeposit({ weights: new Map([['0xa', 0n]]), amount: 7n })
  assert.equal(nobody.carried, 7n)
})

for (const dialect of DIALECTS)
  test(`closeEpoch() weighs the answers committed before their truth, scored in the epoch, and opens the next, once (${dialect})`, async () => {
    const store = await openStore(await storeLocation(dialect))
    const q = storeSql(store)
    try {
      const agent = (id: string) =>
        q.run(
          "INSERT INTO agents (id, level, region, max_in_flight, payout_wallet, agent_version, session, registered_at, last_seen_at) VALUES (?, 3, '', 8, ?, 't', 1, 0, 0)",
          id,
          `0x${id.padStart(40, '0')}`,
        )
      for (const id of ['a', 'b', 'c', 'd']) await agent(id)
      // A pending transaction whose block was absent until t = 1000, and a mined one (history).
      const inclusion = (key: string, source: string, seenAt: number, absentAt: number | null) =>
        q.run(
          "INSERT INTO inclusions (key, source, block_number, block_hash, tx_index, tx_hash, witness, state, created_at, seen_at, absent_at) VALUES (?, ?, 1, '0xb', 0, '0x1', ?, 'final', 0, ?, ?)",
          key,
          source,
          Buffer.alloc(0),
          seenAt,
          absentAt,
        )
      await inclusion('i', 'pending', 1100, 1000)
      await inclusion('h', 'chain', 0, null)
      const result = (
        id: string,
        key: string,
        agentId: string,
        receivedAt: number,
        scoredAt: number,
        matched: number,
      ) =>
        q.run(
          "INSERT INTO results (task_id, inclusion, level, agent_id, received_at, result, scored_at, matched, scored_fields, mismatches) VALUES (?, ?, 3, ?, ?, ?, ?, ?, 'valid', '')",
          id,
          key,
          agentId,
          receivedAt,
          Buffer.alloc(0),
          scoredAt,
          matched,
        )
      const reward = { ...params, minTasks: 2, rewardWei: 10n ** 18n, delegateCutBps: 1000 }
      assert.equal(await openEpoch(store, { params: reward, now: 1000 }), 1)
      let n = 0
      for (let i = 0; i < 4; i++) await result(`t${n++}`, 'i', 'a', 900, 1500, 1)
      for (let i = 0; i < 4; i++) await result(`t${n++}`, 'i', 'b', 1000, 1500, i === 0 ? 0 : 1)
      for (let i = 0; i < 4; i++) await result(`t${n++}`, 'h', 'c', 10, 1500, 1) // history: a lookup
      for (let i = 0; i < 4; i++) await result(`t${n++}`, 'i', 'd', 1001, 1500, 1) // after the block existed
      await result(`t${n++}`, 'i', 'a', 900, 2000, 1) // scored at the close instant: belongs to the next epoch
      const closed = await closeEpoch(store, { params: reward, now: 2000, block: 50 })
      assert.equal(closed.epoch, 1)
      assert.equal(closed.settlement, 'owed')
      assert.equal(closed.depositWei, 9n * 10n ** 17n, 'the 10% cut stays with the delegate')
      assert.deepEqual(
        closed.agents.map((a) => [a.agentId, a.weight, a.accuracyBps]),
        [
          ['a', 4800n, 10_000],
          ['b', 3000n, 7500],
          ['c', 0n, 10_000],
          ['d', 0n, 10_000],
        ],
      )
      const rows = await q.all<{ agent_id: string; amount_wei: string; points: string }>(
        'SELECT agent_id, amount_wei, points FROM epoch_agents ORDER BY agent_id',
      )
      assert.deepEqual(
        rows.map((r) => [r.agent_id, BigInt(r.amount_wei), r.points]),
        [
          ['a', (9n * 10n ** 17n * 4800n) / 7800n, '4000'],
          ['b', (9n * 10n ** 17n * 3000n) / 7800n, '3000'],
          ['c', 0n, '0'],
          ['d', 0n, '0'],
        ],
      )
      assert.equal(await openEpoch(store, { params: reward, now: 2000 }), 2, 'epoch 2 is open')
      // Epoch 2 holds one result of a: under --min-tasks 2, nobody earns; its reward goes to epoch 3.
      const second = await closeEpoch(store, { params: reward, now: 3000 })
      assert.equal(second.settlement, 'carried')
      assert.equal(second.carriedWei, reward.rewardWei)
      assert.equal(second.agents[0]?.scored, 1)
      assert.equal(second.totalWeight, 0n)
      assert.deepEqual(
        await q.get('SELECT reward_wei, deposit_wei FROM epochs WHERE number = 3'),
        {
          reward_wei: (2n * reward.rewardWei).toString(),
          deposit_wei: ((18n * reward.rewardWei) / 10n).toString(),
        },
        'epoch 3 pays two rewards, less one cut each',
      )
    } finally {
      await store.close()
    }
  })

for (const dialect of DIALECTS)
  test(`createEpochClock(): closes by time or by blocks, whichever first, and resumes the open epoch after a restart (${dialect})`, async () => {
    const location = await storeLocation(
      dialect,
      join(mkdtempSync(join(tmpdir(), 'apiary-epochs-')), 'coordinator.db'),
    )
    const reward = { ...params, minTasks: 1, rewardWei: 1000n, delegateCutBps: 1000 }
    const logger = createLogger({ level: 'silent' })
    let now = 10_000
    let block: number | undefined
    let store = await openStore(location)
    const clock = await createEpochClock({
      store,
      logger,
      params: reward,
      epochMs: 30_000,
      epochBlocks: 5,
      followed: () => block,
      now: () => now,
    })
    assert.deepEqual(clock.current(), {
      number: 1,
      startedAt: 10_000,
      startBlock: undefined,
      closesAt: 40_000,
      closesAtBlock: undefined,
    })
    now = 39_999
    assert.equal(await clock.tick(), undefined)
    now = 40_000
    assert.equal((await clock.tick())?.epoch, 1, 'closed by time')
    block = 100 // the first followed block fixes the start of the open epoch
    assert.equal(clock.current().closesAtBlock, 105)
    block = 104
    assert.equal(await clock.tick(), undefined)
    block = 105
    assert.equal((await clock.tick())?.epoch, 2, 'closed by blocks before its 30 s')
    now = 41_000
    await store.close()

    store = await openStore(location)
    const restarted = await createEpochClock({
      store,
      logger,
      params: reward,
      epochMs: 30_000,
      followed: () => block,
      now: () => now,
    })
    assert.deepEqual(restarted.current(), {
      number: 3,
      startedAt: 40_000,
      startBlock: 106,
      closesAt: 70_000,
      closesAtBlock: undefined,
    })
    // Nobody worked in epochs 1 and 2: their rewards wait in epoch 3.
    assert.deepEqual(
      await storeSql(store).all('SELECT number, settlement, reward_wei FROM epochs ORDER BY number'),
      [
        { number: 1, settlement: 'carried', reward_wei: '1000' },
        { number: 2, settlement: 'carried', reward_wei: '2000' },
        { number: 3, settlement: 'open', reward_wei: '3000' },
      ],
    )
    await store.close()
  })
