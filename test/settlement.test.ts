import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { sendFunds } from '../src/chain/index.ts'
import { useDevnet } from './_harness/chain.ts'
import { rewardScenario } from './_harness/rewards.ts'
import { startRpcProxy } from './_harness/rpcProxy.ts'
import { storeSql } from './_harness/storeSql.ts'

const context = useDevnet()
const ETH = 10n ** 18n

test('settlement: owed while the hot wallet is empty, then every epoch paid once, in order, exactly as computed', {
  timeout: 120_000,
}, async () => {
  const s = await rewardScenario(context, { agents: ['agent-0', 'agent-1'], hotWalletWei: 0n })
  try {
    const even = { scored: 10, matched: 10 }
    await s.close({ 'agent-0': even, 'agent-1': even })
    await s.close({ 'agent-0': { scored: 5, matched: 5 } }) // epoch 2: only the first agent works

    // Two epochs with an empty hot wallet: both stay owed.
    await s.settle(2)
    assert.equal(s.settler.status().owed, 2)
    assert.match(s.settler.status().lastError ?? '', /holds 0 wei/)

    // Refunded: both are paid, oldest first.
    const funder = privateKeyToAccount(context.devnet.accounts[1]?.privateKey as Hex)
    await sendFunds({ rpcUrl: context.devnet.url, from: funder, to: [s.hotWallet.address], amount: 5n * ETH })
    assert.equal((await s.settle()).owed, 0, s.settler.status().lastError)
    assert.equal(s.settler.status().lastSettled?.epoch, 2)
    assert.equal(await s.read('lastEpoch'), 2n)
    // Epoch 1: 50/50 of 0.9 ETH. Epoch 2: all 0.9 ETH to the first (the second is not listed).
    const [first, second] = [s.wallets.get('agent-0')?.address, s.wallets.get('agent-1')?.address]
    assert.equal(await s.read('claimable', [first]), (45n * ETH) / 100n + (9n * ETH) / 10n)
    assert.equal(await s.read('claimable', [second]), (45n * ETH) / 100n)
    assert.equal(await s.read('weightOf', [second]), 0n)
    assert.deepEqual(
      await s.amounts(1),
      new Map([
        ['agent-0', (45n * ETH) / 100n],
        ['agent-1', (45n * ETH) / 100n],
      ]),
    )
    assert.deepEqual(await s.amounts(2), new Map([['agent-0', (9n * ETH) / 10n]]))

    // A settlement the store lost track of (a crash between broadcast and record) is found, not paid twice.
    await storeSql(s.store).run("UPDATE epochs SET settlement = 'owed', tx_hash = NULL WHERE number = 2")
    const spent = await context.chain.client.getBalance({ address: s.hotWallet.address })
    assert.equal((await s.settle()).owed, 0)
    assert.equal(
      await context.chain.client.getBalance({ address: s.hotWallet.address }),
      spent,
      'nothing sent again',
    )
    assert.match(
      (await storeSql(s.store).get<{ tx_hash: string }>('SELECT tx_hash FROM epochs WHERE number = 2'))
        ?.tx_hash ?? '',
      /^0x[0-9a-f]{64}$/,
    )
  } finally {
    await s.dispose()
  }
})

test('settlement: the node down, then refusing the broadcast of a stored transaction: the same transaction is sent once it answers', {
  timeout: 120_000,
}, async () => {
  const proxy = await startRpcProxy(context.devnet.url, { refuse: /./ })
  const s = await rewardScenario(context, { agents: ['agent-0'], settlerRpcUrl: proxy.url })
  try {
    await s.close({ 'agent-0': { scored: 3, matched: 3 } })
    await s.settle(2)
    assert.equal(s.settler.status().owed, 1)
    assert.match(s.settler.status().lastError ?? '', /does not exist/)
    // The node answers again, except for broadcasts: the epoch's transaction is signed and stored, not sent.
    proxy.refuse = /^eth_sendRawTransaction$/
    await s.settle(2)
    const stored = await storeSql(s.store).get<{ settlement: string; tx_hash: string }>(
      'SELECT settlement, tx_hash FROM epochs WHERE number = 1',
    )
    assert.equal(stored?.settlement, 'sending')
    assert.equal(await s.read('lastEpoch'), 0n)
    // Broadcasts go through: that very transaction is re-broadcast and recorded; nothing is signed twice.
    proxy.refuse = undefined
    assert.equal((await s.settle()).owed, 0, s.settler.status().lastError)
    assert.equal(s.settler.status().lastSettled?.txHash, stored?.tx_hash)
    assert.equal(await context.chain.client.getTransactionCount({ address: s.hotWallet.address }), 1)
    assert.deepEqual(await s.amounts(1), new Map([['agent-0', (9n * ETH) / 10n]]))
  } finally {
    await s.dispose()
    await proxy.close()
  }
})
