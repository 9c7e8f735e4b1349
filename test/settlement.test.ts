import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { AgentRewardPool } from '../src/chain/contracts.generated.ts'
import { closeEpoch, openEpoch } from '../src/coordinator/epochs/index.ts'
import { createSettler } from '../src/coordinator/settlement/index.ts'
import { openStore, type Store } from '../src/coordinator/store/index.ts'
import { createLogger } from '../src/internal/logger.ts'
import { useDevnet } from './_harness/chain.ts'

const context = useDevnet()
const logger = createLogger({ level: 'silent' })
const abi = AgentRewardPool.abi
const reward = {
  bonusAccuracyBps: 9950,
  bonusMultiplierBps: 12_000,
  minTasks: 1,
  rewardWei: 10n ** 18n,
  delegateCutBps: 1000,
}

/** Two registered agents (with their payout wallets) and `n` matched results each, scored at `at`. */
function work(store: Store, wallets: Hex[], n: number, at: number) {
  const agent = store.sqlite.prepare(
    "INSERT OR IGNORE INTO agents (id, level, region, max_in_flight, payout_wallet, agent_version, session, registered_at, last_seen_at) VALUES (?, 1, '', 8, ?, 't', 1, 0, 0)",
  )
  const result = store.sqlite.prepare(
    "INSERT INTO results (task_id, inclusion, level, agent_id, received_at, result, scored_at, matched, scored_fields, mismatches) VALUES (?, 'i', 1, ?, 0, x'', ?, 1, 'valid', '')",
  )
  for (const [i, wallet] of wallets.entries()) {
    agent.run(`agent-${i}`, wallet.toLowerCase())
    for (let k = 0; k < n; k++) result.run(`${at}-${i}-${k}`, `agent-${i}`, at)
  }
}

test('settlement: owed while the hot wallet is empty, then every epoch paid once, in order, exactly as computed', {
  timeout: 120_000,
}, async () => {
  const { chain, devnet } = context
  const store = await openStore({ path: ':memory:' })
  try {
    const hotWallet = privateKeyToAccount(generatePrivateKey())
    const pool = await chain.deploy(0, AgentRewardPool, [hotWallet.address])
    const wallets = [chain.accounts[5]?.address, chain.accounts[6]?.address] as Hex[]
    let clock = 1000
    const settler = createSettler({
      store,
      logger,
      rpcUrl: devnet.url,
      chainId: devnet.chainId,
      pool,
      hotWallet,
      maxFeePerGasWei: 100n * 10n ** 9n,
      retry: { baseMs: 1, maxMs: 1 },
      now: () => clock,
    })
    openEpoch(store, { params: reward, now: clock })
    work(store, wallets, 10, 1500)
    closeEpoch(store, { params: reward, now: 2000 })
    work(store, wallets.slice(0, 1), 5, 2500) // epoch 2: only the first agent works
    closeEpoch(store, { params: reward, now: 3000 })

    // Two epochs with an empty hot wallet: both stay owed.
    for (let i = 0; i < 2; i++) {
      clock += 10
      await settler.tick()
    }
    assert.equal(settler.status().owed, 2)
    assert.match(settler.status().lastError ?? '', /holds 0 wei/)

    // Refunded: both are paid, oldest first.
    await chain.wallet(1).sendTransaction({
      to: hotWallet.address,
      value: 5n * 10n ** 18n,
      account: chain.wallet(1).account,
      chain: devnet.chain,
    })
    for (let i = 0; i < 20 && settler.status().owed > 0; i++) {
      clock += 10
      await settler.tick()
    }
    assert.equal(settler.status().owed, 0, settler.status().lastError)
    assert.equal(settler.status().lastSettled?.epoch, 2)
    const read = (functionName: string, args: unknown[] = []) =>
      chain.client.readContract({ address: pool, abi, functionName, args } as never) as Promise<bigint>
    assert.equal(await read('lastEpoch'), 2n)
    // Epoch 1: 50/50 of 0.9 ETH. Epoch 2: all 0.9 ETH to the first (the second listed with weight 0).
    assert.equal(await read('claimable', [wallets[0]]), 45n * 10n ** 16n + 9n * 10n ** 17n)
    assert.equal(await read('claimable', [wallets[1]]), 45n * 10n ** 16n)
    assert.equal(await read('weightOf', [wallets[1]]), 0n)
    const amounts = store.sqlite
      .prepare<[], { epoch: number; agent_id: string; amount_wei: string }>(
        'SELECT epoch, agent_id, amount_wei FROM epoch_agents ORDER BY epoch, agent_id',
      )
      .all()
      .map((r) => [r.epoch, r.agent_id, BigInt(r.amount_wei)])
    assert.deepEqual(amounts, [
      [1, 'agent-0', 45n * 10n ** 16n],
      [1, 'agent-1', 45n * 10n ** 16n],
      [2, 'agent-0', 9n * 10n ** 17n],
    ])

    // A settlement the store lost track of (a crash between broadcast and record) is found, not paid twice.
    store.sqlite.prepare("UPDATE epochs SET settlement = 'owed', tx_hash = NULL WHERE number = 2").run()
    const spent = await chain.client.getBalance({ address: hotWallet.address })
    clock += 10
    await settler.tick()
    assert.equal(settler.status().owed, 0)
    assert.equal(await chain.client.getBalance({ address: hotWallet.address }), spent, 'nothing sent again')
    assert.match(
      store.sqlite.prepare<[], { tx_hash: string }>('SELECT tx_hash FROM epochs WHERE number = 2').get()
        ?.tx_hash ?? '',
      /^0x[0-9a-f]{64}$/,
    )
  } finally {
    await store.close()
  }
})
