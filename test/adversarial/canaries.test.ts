import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { createTraffic, startDevnet } from '../../src/chain/index.ts'
import { startCoordinator } from '../../src/cli/startCoordinator.ts'
import { deriveApiKey } from '../../src/coordinator/identity/index.ts'
import { openStore } from '../../src/coordinator/store/index.ts'
import { canaryDodger, lazyAgent } from '../_harness/cheaters.ts'
import { storeSql } from '../_harness/storeSql.ts'
import { Level, logger, SECRET, startAgent, waitFor } from '../_harness/swarm.ts'

type Leader = { agentId: string; amountWei: string }
type EpochView = { epoch: number; state: string; depositWei: string; closedAt: string }

/** The bound docs/rewards.md#canaries states: a lazy agent fails a canary within this many tasks. */
const FLAG_BOUND = 200

test('canaries: lazy agents at L1, L2 and L3 are flagged within 200 tasks, excluded and earn 0 wei; agents that skip or guess canaries are caught, excluded and earn 0 wei from then on; honest agents fail no canary and share the reward', {
  timeout: 300_000,
}, async () => {
  const devnet = await startDevnet({ logger }, { port: 0, accounts: 8, blockTime: 1 })
  const datadir = mkdtempSync(join(tmpdir(), 'apiary-canaries-'))
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
    redundancy: 4,
    deadlineMs: 3000,
    rewards: {
      params: {
        bonusAccuracyBps: 9950,
        bonusMultiplierBps: 12_000,
        minTasks: 1,
        rewardWei: 10n ** 18n,
        delegateCutBps: 1000,
      },
      epochMs: 8000,
    },
  })
  const url = coordinator.grpcUrl
  const honest = ['honest-l1', 'honest-l2', 'honest-l3']
  const lazy = ['lazy-l1', 'lazy-l2', 'lazy-l3']
  const dodgers = ['skipper', 'guesser']
  const agents = [
    startAgent(url, 'honest-l1', Level.L1),
    startAgent(url, 'honest-l2', Level.L2),
    startAgent(url, 'honest-l3', Level.L3),
    startAgent(url, 'lazy-l1', Level.L1, { answer: lazyAgent() }),
    startAgent(url, 'lazy-l2', Level.L2, { answer: lazyAgent() }),
    startAgent(url, 'lazy-l3', Level.L3, { answer: lazyAgent() }),
    startAgent(url, 'skipper', Level.L3, { answer: canaryDodger(devnet.url, 'skip') }),
    startAgent(url, 'guesser', Level.L3, { answer: canaryDodger(devnet.url, 'guess') }),
  ]
  const traffic = createTraffic(
    { logger },
    { rpcUrl: devnet.url, chainId: devnet.chainId, accounts: devnet.accounts.slice(0, 6), seed: 5 },
  )
  const stop = new AbortController()
  const api = coordinator.httpUrl as string
  const own = async (id: string) =>
    (await (
      await fetch(`${api}/swarm/agents/${id}`, {
        headers: { 'x-apiary-agent-id': id, authorization: `Bearer ${deriveApiKey(SECRET, id)}` },
      })
    ).json()) as {
      canaries: { passed: number; failed: number; skipped: number }
      excluded: { at: string; reason: string } | null
    }
  try {
    await traffic.setup()
    const sending = traffic.run({ tps: 8, signal: stop.signal })
    const closed = async () =>
      ((await (await fetch(`${api}/swarm/epochs`)).json()) as { epochs: EpochView[] }).epochs.filter(
        (e) => e.state !== 'open',
      )
    // Every cheater excluded, and an epoch closed after the last exclusion.
    await waitFor(
      'every cheater excluded and an epoch closed since',
      async () => {
        let last = 0
        for (const id of [...lazy, ...dodgers]) {
          const excluded = (await own(id)).excluded
          if (excluded === null) return false
          last = Math.max(last, Date.parse(excluded.at))
        }
        const epochs = await closed()
        return epochs.length >= 3 && epochs.some((e) => Date.parse(e.closedAt) > last)
      },
      200_000,
    )
    stop.abort()
    await sending

    // Flagged within the bound: the tasks a lazy agent answered up to its first wrong canary.
    const store = await openStore({ path: join(datadir, 'coordinator.db') })
    const flaggedAfter = async (id: string) =>
      (
        await storeSql(store).get<{ n: number }>(
          `SELECT COUNT(*) AS n FROM results WHERE agent_id = ? AND received_at <= (
             SELECT MIN(r.received_at) FROM results r JOIN inclusions i ON i.key = r.inclusion
             WHERE r.agent_id = ? AND i.source = 'canary' AND r.matched = 0)`,
          id,
          id,
        )
      )?.n ?? 0
    for (const id of lazy) {
      const n = Number(await flaggedAfter(id))
      assert.ok(n > 0 && n <= FLAG_BOUND, `${id} failed its first canary after ${n} tasks`)
      assert.match((await own(id)).excluded?.reason ?? '', /canary failures: \d+ wrong/)
    }
    store.close()
    const guesser = await own('guesser')
    assert.ok(guesser.canaries.failed >= 3, 'the guesser guessed canaries wrong')
    const skipper = await own('skipper')
    assert.equal(skipper.canaries.failed, 0, 'the skipper never answered a canary')
    assert.ok(skipper.canaries.skipped >= 3, 'its skips were judged deliberate')
    assert.match(skipper.excluded?.reason ?? '', /skipped/)

    for (const id of honest) {
      const view = await own(id)
      assert.equal(view.excluded, null, `${id} is in good standing`)
      assert.equal(view.canaries.failed, 0, `${id} failed no canary`)
      assert.equal(view.canaries.skipped, 0)
      assert.ok(view.canaries.passed > 0, `${id} answered canaries`)
    }
    const excludedAt = new Map<string, string>()
    for (const id of dodgers) excludedAt.set(id, (await own(id)).excluded?.at as string)
    let honestPaid = 0n
    for (const epoch of await closed()) {
      const { leaderboard } = (await (await fetch(`${api}/swarm/epochs/${epoch.epoch}`)).json()) as {
        leaderboard: Leader[]
      }
      const paid = (id: string) => BigInt(leaderboard.find((l) => l.agentId === id)?.amountWei ?? '0')
      for (const id of lazy) assert.equal(paid(id), 0n, `epoch ${epoch.epoch}: ${id} is paid nothing`)
      // The dodgers do real work, paid until they are caught; nothing once they are excluded.
      for (const id of dodgers)
        if (Date.parse(epoch.closedAt) > Date.parse(excludedAt.get(id) as string))
          assert.equal(paid(id), 0n, `epoch ${epoch.epoch}: ${id} is paid nothing once excluded`)
      for (const id of honest) honestPaid += paid(id)
    }
    assert.ok(honestPaid > 0n, 'the honest agents are paid')
    const status = coordinator.status()
    assert.ok((status.canaries?.made ?? 0) > 10, 'canaries were made')
    assert.ok((status.canaries?.answersFailed ?? 0) > 0)
  } finally {
    stop.abort()
    await Promise.all(agents.map((a) => a.close({ graceMs: 0 })))
    await coordinator.close()
    await devnet.close()
    rmSync(datadir, { recursive: true, force: true })
  }
})
