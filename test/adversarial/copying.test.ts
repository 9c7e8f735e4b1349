import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { createTraffic, startDevnet } from '../../src/chain/index.ts'
import { startCoordinator } from '../../src/cli/startCoordinator.ts'
import { openStore } from '../../src/coordinator/store/index.ts'
import { copycat, lateAgent } from '../_harness/cheaters.ts'
import { storeSql } from '../_harness/storeSql.ts'
import { Level, logger, SECRET, startAgent, waitFor } from '../_harness/swarm.ts'

type Leader = { agentId: string; amountWei: string; accuracyBps: number; weight: string }
type EpochView = { epoch: number; state: string; depositWei: string }

test('a copycat (receipts and traces from the node) and a late agent (right answers, sent once mined) earn 0 wei over 3 epochs; the honest agent keeps 100 % and is paid the whole reward', {
  timeout: 240_000,
}, async () => {
  const devnet = await startDevnet({ logger }, { port: 0, accounts: 8, blockTime: 1 })
  const datadir = mkdtempSync(join(tmpdir(), 'apiary-copying-'))
  const coordinator = await startCoordinator({
    logger,
    datadir,
    masterSecret: SECRET,
    rpcUrl: devnet.url,
    fork: 'prague',
    confirmations: 0,
    pollMs: 200,
    host: '127.0.0.1',
    grpcPort: 0,
    httpPort: 0,
    redundancy: 3,
    deadlineMs: 10_000,
    rewards: {
      params: {
        bonusAccuracyBps: 9950,
        bonusMultiplierBps: 12_000,
        minTasks: 1,
        rewardWei: 10n ** 18n,
        delegateCutBps: 1000,
      },
      epochMs: 5000,
    },
  })
  const agents = [
    startAgent(coordinator.grpcUrl, 'honest', Level.L3),
    startAgent(coordinator.grpcUrl, 'copycat', Level.L3, { answer: copycat(devnet.url) }),
    startAgent(coordinator.grpcUrl, 'latecomer', Level.L3, { answer: lateAgent(devnet.url) }),
  ]
  const traffic = createTraffic(
    { logger },
    { rpcUrl: devnet.url, chainId: devnet.chainId, accounts: devnet.accounts.slice(0, 6), seed: 11 },
  )
  const stop = new AbortController()
  try {
    await traffic.setup()
    const sending = traffic.run({ tps: 8, signal: stop.signal })
    const api = coordinator.httpUrl as string
    const closed = async () =>
      ((await (await fetch(`${api}/swarm/epochs`)).json()) as { epochs: EpochView[] }).epochs.filter(
        (e) => e.state !== 'open',
      )
    // Epoch 1 starts before traffic reaches the agents; the three after it are the ones judged.
    await waitFor('four closed epochs', async () => (await closed()).length >= 4, 120_000)
    stop.abort()
    await sending
    const judged = (await closed()).filter((e) => e.epoch >= 2 && e.epoch <= 4)
    assert.equal(judged.length, 3)
    let paid = 0
    for (const epoch of judged) {
      const { leaderboard } = (await (await fetch(`${api}/swarm/epochs/${epoch.epoch}`)).json()) as {
        leaderboard: Leader[]
      }
      const of = (id: string) => leaderboard.find((l) => l.agentId === id)
      assert.equal(of('copycat')?.amountWei ?? '0', '0', `epoch ${epoch.epoch}: the copycat is paid nothing`)
      assert.equal(
        of('latecomer')?.amountWei ?? '0',
        '0',
        `epoch ${epoch.epoch}: the late agent is paid nothing`,
      )
      assert.equal(of('honest')?.accuracyBps, 10_000)
      // An epoch in which even the honest agent committed nothing before its block (a starved CI machine)
      // earns nobody anything: it carries its reward to the next one (docs/rewards.md), never to a cheater.
      if (epoch.state === 'carried') continue
      paid++
      assert.equal(
        of('honest')?.amountWei,
        epoch.depositWei,
        `epoch ${epoch.epoch}: the honest agent gets it all`,
      )
      // The copycat's answers are right: it is not caught by accuracy, only by when it answered.
      assert.ok((of('copycat')?.accuracyBps ?? 0) > 9000, `epoch ${epoch.epoch}: the copycat copied well`)
    }
    assert.ok(paid >= 1, 'at least one judged epoch paid the honest agent')
    const status = coordinator.status()
    assert.ok((status.pending?.dispatched ?? 0) > 20, 'pending transactions were dispatched')
    assert.ok((status.pending?.landed ?? 0) > 20, 'and landed as pre-executed')
  } finally {
    stop.abort()
    await Promise.all(agents.map((a) => a.close({ graceMs: 0 })))
    await coordinator.close()
    await devnet.close()
    // The store says why: every copied and late answer was committed after its block was there.
    const store = await openStore({ path: join(datadir, 'coordinator.db') })
    const late = await storeSql(store).all<{
      agent_id: string
      early: number
      n: number
    }>(`SELECT r.agent_id, SUM(i.absent_at IS NOT NULL AND r.received_at <= i.absent_at) AS early, COUNT(*) AS n
         FROM results r JOIN inclusions i ON i.key = r.inclusion WHERE i.source = 'pending' GROUP BY 1 ORDER BY 1`)
    rmSync(datadir, { recursive: true, force: true })
    store.close()
    const byId = Object.fromEntries(late.map((r) => [r.agent_id, r]))
    assert.equal(byId.copycat?.early, 0)
    assert.equal(byId.latecomer?.early, 0)
    assert.ok((byId.honest?.early ?? 0) > 0)
  }
})
