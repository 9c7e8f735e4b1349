import assert from 'node:assert/strict'
import { test } from 'node:test'
import { useDevnet } from './_harness/chain.ts'
import { checkGasSnapshot } from './_harness/gasSnapshot.ts'
import { rewardScenario, type Work } from './_harness/rewards.ts'
import { storeSql } from './_harness/storeSql.ts'

const context = useDevnet()

test('100 agents × 3 epochs settled by the coordinator: gas per settlement against contracts/gas-snapshot.json, everyone claims', {
  timeout: 180_000,
}, async (t) => {
  const agents = Array.from({ length: 100 }, (_, i) => `agent-${String(i).padStart(3, '0')}`)
  const s = await rewardScenario(context, { agents, hotWalletWei: 20n * 10n ** 18n })
  try {
    const all: Work = Object.fromEntries(
      agents.map((id, i) => [id, { scored: 10 + (i % 7), matched: 10 + (i % 7) }]),
    )
    const half: Work = Object.fromEntries(agents.slice(0, 50).map((id) => [id, { scored: 12, matched: 12 }]))
    await s.close(all)
    await s.close(all)
    await s.close(half) // the other 50 leave: not listed at all
    assert.equal((await s.settle()).owed, 0)
    const gas: Record<string, number> = {}
    const names = ['100 agents, all new', '100 agents, all known', '50 stay, 50 left (not listed)']
    for (const row of await storeSql(s.store).all<{ number: number; tx_hash: `0x${string}` }>(
      'SELECT number, tx_hash FROM epochs WHERE tx_hash IS NOT NULL ORDER BY number',
    )) {
      const receipt = await context.chain.client.getTransactionReceipt({ hash: row.tx_hash })
      gas[`settler: epoch ${row.number}, ${names[row.number - 1]}`] = Number(receipt.gasUsed)
    }
    t.diagnostic(JSON.stringify(gas))
    assert.equal(Object.keys(gas).length, 3)
    const claimed = await s.claimAll()
    assert.equal([...claimed.values()].filter((wei) => wei > 0n).length, 100)
    assert.ok((await s.balanceOfPool()) < 100n)
    checkGasSnapshot(gas)
  } finally {
    await s.dispose()
  }
})
