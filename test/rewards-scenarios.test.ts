import assert from 'node:assert/strict'
import { test } from 'node:test'
import { useDevnet } from './_harness/chain.ts'
import { REWARD, rewardScenario, type Work } from './_harness/rewards.ts'
import { storeSql } from './_harness/storeSql.ts'

// ioSwarm's published reward table, replayed through the coordinator's reward path (weights from scored
// results, closeEpoch, the settler, the AgentRewardPool on the devnet, claims from the agents' wallets).
const context = useDevnet()
const ETH = 10n ** 18n
const sum = (values: Iterable<bigint>) => [...values].reduce((s, v) => s + v, 0n)

test('a single agent is paid the whole deposit and claims all of it', { timeout: 60_000 }, async () => {
  const s = await rewardScenario(context, { agents: ['solo'] })
  try {
    const epoch = await s.close({ solo: { scored: 5, matched: 5 } })
    assert.equal((await s.settle()).owed, 0)
    assert.equal((await s.amounts(epoch)).get('solo'), (9n * ETH) / 10n)
    assert.deepEqual(await s.claimAll(), new Map([['solo', (9n * ETH) / 10n]]))
    assert.equal(await s.balanceOfPool(), 0n)
  } finally {
    await s.dispose()
  }
})

test('two equal agents split exactly 50/50', { timeout: 60_000 }, async () => {
  const s = await rewardScenario(context, { agents: ['left', 'right'] })
  try {
    const epoch = await s.close({ left: { scored: 10, matched: 10 }, right: { scored: 10, matched: 10 } })
    await s.settle()
    const half = (9n * ETH) / 20n
    assert.deepEqual(
      await s.amounts(epoch),
      new Map([
        ['left', half],
        ['right', half],
      ]),
    )
    assert.deepEqual(
      await s.claimAll(),
      new Map([
        ['left', half],
        ['right', half],
      ]),
    )
  } finally {
    await s.dispose()
  }
})

test('10 agents × 5 epochs: everything credited is claimed and the pool keeps only carried dust', {
  timeout: 120_000,
}, async () => {
  const agents = Array.from({ length: 10 }, (_, i) => `a${i}`)
  const params = { ...REWARD, rewardWei: ETH + 7n } // an odd reward: the split leaves dust
  const s = await rewardScenario(context, { agents, params })
  try {
    let credited = 0n
    let deposited = 0n
    for (let e = 0; e < 5; e++) {
      const work: Work = {}
      for (const [i, id] of agents.entries()) {
        const matched = ((i * 7 + e * 3) % 11) + 1
        work[id] = { matched, scored: matched + (i % 3 === 0 ? 1 : 0) } // every third agent misses the bonus
      }
      const epoch = await s.close(work)
      const before = await s.read('carried')
      await s.settle()
      const amounts = await s.amounts(epoch)
      const deposit = ETH + 7n - (ETH + 7n) / 10n
      deposited += deposit
      // What the pool credited plus what it carries on is the deposit plus what it carried in.
      assert.equal(sum(amounts.values()) + (await s.read('carried')), deposit + before)
      credited += sum(amounts.values())
    }
    assert.equal(s.settler.status().lastSettled?.epoch, 5)
    const claimed = await s.claimAll()
    assert.equal(claimed.size, 10)
    for (const [id, wei] of claimed) assert.ok(wei > 0n, `${id} claimed nothing`)
    assert.equal(sum(claimed.values()), credited)
    const dust = await s.read('carried')
    assert.equal(await s.balanceOfPool(), dust)
    assert.equal(deposited - credited, dust)
    assert.ok(dust < 10n, `dust ${dust} wei`)
  } finally {
    await s.dispose()
  }
})

test('join and leave: a leaver stops earning from the next epoch, a joiner earns from its first', {
  timeout: 60_000,
}, async () => {
  const s = await rewardScenario(context, { agents: ['stays', 'leaves', 'joins'] })
  try {
    const even = { scored: 4, matched: 4 }
    const e1 = await s.close({ stays: even, leaves: even })
    const e2 = await s.close({ stays: even, joins: even })
    const e3 = await s.close({ joins: even })
    await s.settle()
    const half = (9n * ETH) / 20n
    assert.deepEqual(
      await s.amounts(e1),
      new Map([
        ['stays', half],
        ['leaves', half],
      ]),
    )
    assert.deepEqual(
      await s.amounts(e2),
      new Map([
        ['stays', half],
        ['joins', half],
      ]),
    )
    assert.deepEqual(await s.amounts(e3), new Map([['joins', (9n * ETH) / 10n]]))
    assert.equal(await s.read('weightOf', [s.wallets.get('leaves')?.address]), 0n)
    assert.equal(await s.read('weightOf', [s.wallets.get('stays')?.address]), 0n)
    assert.deepEqual(
      await s.claimAll(),
      new Map([
        ['stays', 2n * half],
        ['leaves', half],
        ['joins', half + (9n * ETH) / 10n],
      ]),
    )
  } finally {
    await s.dispose()
  }
})

test('the min-tasks threshold pays 0 below it', { timeout: 60_000 }, async () => {
  const params = { ...REWARD, minTasks: 5 }
  const s = await rewardScenario(context, { agents: ['below', 'at'], params })
  try {
    const epoch = await s.close({ below: { scored: 4, matched: 4 }, at: { scored: 5, matched: 5 } })
    await s.settle()
    assert.deepEqual(
      await s.amounts(epoch),
      new Map([
        ['below', 0n],
        ['at', (9n * ETH) / 10n],
      ]),
    )
    assert.equal(await s.read('claimable', [s.wallets.get('below')?.address]), 0n)
    assert.deepEqual(
      await s.claimAll(),
      new Map([
        ['below', 0n],
        ['at', (9n * ETH) / 10n],
      ]),
    )
  } finally {
    await s.dispose()
  }
})

test('the delegate cut stays with the delegate exactly: the hot wallet spends deposits and gas, nothing else', {
  timeout: 60_000,
}, async () => {
  const params = { ...REWARD, rewardWei: 3n * ETH + 1n, delegateCutBps: 1234 }
  const s = await rewardScenario(context, { agents: ['x', 'y'], params })
  try {
    const hot = s.hotWallet.address
    const start = await context.chain.client.getBalance({ address: hot })
    await s.close({ x: { scored: 3, matched: 3 }, y: { scored: 1, matched: 1 } })
    await s.close({ x: { scored: 2, matched: 2 } })
    await s.settle()
    const cut = ((3n * ETH + 1n) * 1234n) / 10_000n
    const deposit = 3n * ETH + 1n - cut
    let fees = 0n
    for (const row of await storeSql(s.store).all<{
      tx_hash: `0x${string}`
      deposit_wei: string
      delegate_cut_wei: string
    }>('SELECT tx_hash, deposit_wei, delegate_cut_wei FROM epochs WHERE tx_hash IS NOT NULL')) {
      assert.equal(BigInt(row.deposit_wei), deposit)
      assert.equal(BigInt(row.delegate_cut_wei), cut)
      const receipt = await context.chain.client.getTransactionReceipt({ hash: row.tx_hash })
      fees += receipt.gasUsed * receipt.effectiveGasPrice
    }
    assert.equal(await context.chain.client.getBalance({ address: hot }), start - 2n * deposit - fees)
    assert.equal(await s.balanceOfPool(), 2n * deposit)
  } finally {
    await s.dispose()
  }
})

test('an outage costs the agents nothing: epochs in which nothing could be scored carry their reward to the first epoch with scored work, which pays it all', {
  timeout: 60_000,
}, async () => {
  const s = await rewardScenario(context, { agents: ['a', 'b'] })
  try {
    // The node is down for three epochs: nothing is scored, nothing earned, every reward carried.
    const down = [await s.close({}), await s.close({}), await s.close({})]
    const states = await storeSql(s.store).all<{ number: number; settlement: string }>(
      'SELECT number, settlement FROM epochs ORDER BY number',
    )
    assert.deepEqual(
      states.filter((e) => down.includes(e.number)).map((e) => e.settlement),
      ['carried', 'carried', 'carried'],
    )
    // It comes back: the work done meanwhile is scored now, in the fourth epoch, which pays four rewards.
    const back = await s.close({ a: { scored: 30, matched: 30 }, b: { scored: 10, matched: 10 } })
    assert.equal((await s.settle()).owed, 0)
    const paid = sum((await s.amounts(back)).values())
    assert.ok(4n * ((9n * ETH) / 10n) - paid < 10n, `paid ${paid}: four deposits, less rounding dust`)
    const claimed = await s.claimAll()
    assert.equal(sum(claimed.values()), paid)
    assert.equal(claimed.get('a'), 3n * (claimed.get('b') ?? 0n) + ((claimed.get('a') ?? 0n) % 3n))
  } finally {
    await s.dispose()
  }
})
