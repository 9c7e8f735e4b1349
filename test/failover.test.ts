import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { createPublicClient, http, parseEventLogs } from 'viem'
import { AgentRewardPool, EpochRegistry } from '../src/chain/contracts.generated.ts'
import { createTraffic, startDevnet } from '../src/chain/index.ts'
import { deriveApiKey } from '../src/coordinator/identity/index.ts'
import { openStore } from '../src/coordinator/store/index.ts'
import { verifyBundleCar } from '../src/epoch/index.ts'
import { deployWithHotWallet, startApiary, stopProcess } from './_harness/cli.ts'
import { databaseUrl } from './_harness/postgres.ts'
import { storeSql } from './_harness/storeSql.ts'
import { freePort, Level, logger, SECRET, startAgent, waitFor } from './_harness/swarm.ts'

const LEASE_MS = 2000
const READY = 'coordinator  grpc'

/** Two coordinator replicas' command lines on one PostgreSQL database, and the agents' view of both. */
async function replicas(devnet: { url: string }, url: string, extra: string[]) {
  const ports = [await freePort(), await freePort()]
  const args = (port: number) => [
    'coordinator',
    ...['--rpc', devnet.url, '--database', url, '--master-secret', SECRET],
    ...['--datadir', mkdtempSync(join(tmpdir(), 'apiary-replica-'))],
    ...['--grpc-port', String(port), '--http-port', '0', '--confirmations', '0', '--poll-ms', '100'],
    ...['--lease-ms', String(LEASE_MS), '--log-level', 'info'],
    ...extra,
  ]
  return { ports, args, urls: ports.map((p) => `http://127.0.0.1:${p}`) }
}

/** Starts a replica; resolves once it serves (at once as leader, or when a standby takes over). */
const startReplica = (args: string[]) => startApiary(args, { ready: READY })

/** Where the leader is killed: just after it logs this (for epoch 2 or later, so it sealed epoch 1 itself). */
const CRASH_POINTS = [
  { name: 'while settling (transaction stored, not broadcast)', line: 'settling an epoch', merkle: false },
  { name: 'just after sealing', line: 'epoch sealed', merkle: false },
  { name: 'while anchoring (transaction stored, not broadcast)', line: 'anchoring an epoch', merkle: true },
  { name: 'just after closing an epoch', line: 'epoch closed', merkle: false },
]

for (const point of CRASH_POINTS)
  test(`failover: two replicas on one PostgreSQL; the leader SIGKILLed ${point.name}; the standby takes over within the lease, loses no acknowledged result, pays every epoch once, serves the bundle the dead leader sealed, and the agents keep working`, {
    timeout: 300_000,
  }, async () => {
    const devnet = await startDevnet({ logger }, { port: 0, accounts: 8, blockTime: 1 })
    const client = createPublicClient({ chain: devnet.chain, transport: http(devnet.url) })
    const dir = mkdtempSync(join(tmpdir(), 'apiary-failover-'))
    // Paid by the reward pool (F1), or anchored in the EpochRegistry with Merkle payouts.
    const { contract, hotWalletFlags, hot } = await deployWithHotWallet(
      devnet,
      dir,
      point.merkle ? 'epoch-registry' : 'reward-pool',
    )
    const url = await databaseUrl()
    const set = await replicas(devnet, url, [
      ...['--epoch-seconds', '3', '--epoch-reward', '1ether'],
      ...(point.merkle
        ? ['--settlement', 'merkle', '--epoch-registry', contract]
        : ['--reward-pool', contract]),
      ...hotWalletFlags,
    ])
    let killedAt: number | undefined
    const killWhileSettling = (line: string, child: ChildProcess) => {
      if (killedAt === undefined && line.includes(point.line) && JSON.parse(line).epoch >= 2) {
        killedAt = Date.now()
        child.kill('SIGKILL')
      }
    }
    const leader = await startApiary(set.args(set.ports[0] as number), {
      ready: READY,
      onLine: killWhileSettling,
    })
    const standby = startReplica(set.args(set.ports[1] as number))
    const acked = new Set<string>()
    const onAck = ({ taskId, accepted }: { taskId: string; accepted: boolean }) => {
      if (accepted) acked.add(taskId)
    }
    const coordinators = (id: string) => set.urls.map((u) => ({ url: u, apiKey: deriveApiKey(SECRET, id) }))
    const agents = ['fo-l3-aa', 'fo-l1-bbb'].map((id, i) =>
      startAgent(set.urls[0] as string, id, i === 0 ? Level.L3 : Level.L1, {
        onAck,
        coordinators: coordinators(id),
      }),
    )
    const traffic = createTraffic(
      { logger },
      { rpcUrl: devnet.url, chainId: devnet.chainId, accounts: devnet.accounts.slice(4, 6), seed: 9 },
    )
    const stop = new AbortController()
    let second: (ChildProcess & { output: () => string }) | undefined
    try {
      await traffic.setup()
      const sending = traffic.run({ tps: 20, signal: stop.signal })
      await waitFor(`the leader killed ${point.name}`, () => leader.signalCode === 'SIGKILL', 90_000)
      second = await standby
      const takeover = Date.now() - (killedAt as number)
      // The lease, the standby's next try and its start-up; the slack is for a busy CI machine (the figure
      // itself is measured in bench/failover, not here).
      assert.ok(takeover < LEASE_MS + 5000, `the standby served ${takeover} ms after the leader died`)
      const before = acked.size
      await waitFor('the agents at work on the new leader', () => acked.size >= before + 60, 90_000)
      // The bundle the dead leader sealed is served by the new one, from the store (not from its own datadir).
      const api = /http (http:\/\/\S+)/.exec(second.output())?.[1] as string
      const epoch1 = (await (await fetch(`${api}/v1/epochs/1`)).json()) as {
        state: string
        seal: { cid: string }
      }
      assert.equal(epoch1.state, point.merkle ? 'anchored' : 'sealed')
      const car = await fetch(`${api}/v1/epochs/1/car`)
      assert.equal(car.headers.get('x-ipfs-roots'), epoch1.seal.cid)
      const verified = await verifyBundleCar(new Uint8Array(await car.arrayBuffer()), {
        expectedCid: epoch1.seal.cid,
      })
      assert.equal(verified.valid, true, JSON.stringify(verified.checks.filter((c) => !c.ok)))
      assert.equal((await fetch(`${api}/v1/epochs/1/jobs?limit=5`)).status, 200)
      const store = await openStore({ url })
      const q = storeSql(store)
      try {
        const done = point.merkle
          ? "SELECT COUNT(*) AS n FROM seals WHERE anchor = 'anchored' AND sealed_at > ?"
          : "SELECT COUNT(*) AS n FROM epochs WHERE settlement = 'settled' AND settled_at > ?"
        await waitFor(
          `two epochs ${point.merkle ? 'anchored' : 'settled'} after the failover`,
          async () => Number((await q.get<{ n: number }>(done, killedAt))?.n ?? 0) >= 2,
          90_000,
        )
        stop.abort()
        await sending
        await Promise.all(agents.map((a) => a.close({ graceMs: 2000 })))
        const stored = new Set(
          (await q.all<{ task_id: string }>('SELECT task_id FROM results')).map((r) => r.task_id),
        )
        const lost = [...acked].filter((id) => !stored.has(id))
        assert.deepEqual(lost, [], `${lost.length} of ${acked.size} acknowledged results missing`)
        // Every settled (anchored) epoch has exactly one Settled (Sealed) event, every transaction of the hot
        // wallet succeeded.
        const settled = await q.all<{ number: number }>(
          point.merkle
            ? "SELECT epoch AS number FROM seals WHERE anchor = 'anchored' ORDER BY epoch"
            : "SELECT number FROM epochs WHERE settlement = 'settled' ORDER BY number",
        )
        const events = point.merkle
          ? await client.getContractEvents({
              address: contract,
              abi: EpochRegistry.abi,
              eventName: 'Sealed',
              fromBlock: 0n,
            })
          : await client.getContractEvents({
              address: contract,
              abi: AgentRewardPool.abi,
              eventName: 'Settled',
              fromBlock: 0n,
            })
        const byEpoch = new Map<bigint, number>()
        for (const e of events)
          byEpoch.set(BigInt(e.args.epoch as bigint), (byEpoch.get(BigInt(e.args.epoch as bigint)) ?? 0) + 1)
        assert.ok(settled.length >= 2, `${settled.length} epochs ${point.merkle ? 'anchored' : 'settled'}`)
        for (const row of settled)
          assert.equal(byEpoch.get(BigInt(row.number)), 1, `epoch ${row.number} paid or anchored once`)
        const head = await client.getBlockNumber()
        for (let n = 1n; n <= head; n++) {
          const block = await client.getBlock({ blockNumber: n, includeTransactions: true })
          for (const tx of block.transactions)
            if (tx.from.toLowerCase() === hot.toLowerCase()) {
              const receipt = await client.getTransactionReceipt({ hash: tx.hash })
              assert.equal(receipt.status, 'success', `the hot wallet's ${tx.hash} did not revert`)
              const abi = point.merkle ? EpochRegistry.abi : AgentRewardPool.abi
              assert.ok(parseEventLogs({ abi, logs: receipt.logs }).length > 0)
            }
        }
      } finally {
        await store.close()
      }
    } finally {
      stop.abort()
      await Promise.all(agents.map((a) => a.close({ graceMs: 0 })))
      await stopProcess(leader, 'SIGKILL')
      await (second ?? (await standby.catch(() => undefined)))?.kill('SIGKILL')
      await devnet.close()
    }
  })

test("every replica serves: agents connected only to the standby work through it, the standby answers the HTTP API from the store and the leader's published state, and each task still goes to k distinct agents once", {
  timeout: 180_000,
}, async () => {
  const devnet = await startDevnet({ logger }, { port: 0, accounts: 8, blockTime: 1 })
  const url = await databaseUrl()
  const set = await replicas(devnet, url, ['--epoch-seconds', '4', '--redundancy', '2'])
  const leader = await startApiary(set.args(set.ports[0] as number), { ready: READY })
  const standby = await startApiary(set.args(set.ports[1] as number), { ready: 'replica serving' })
  const acked = new Map<string, number>()
  const onAck =
    (id: string) =>
    ({ accepted }: { accepted: boolean }) => {
      if (accepted) acked.set(id, (acked.get(id) ?? 0) + 1)
    }
  // Two agents know only the standby, one only the leader.
  const agents = [
    startAgent(set.urls[1] as string, 'rs-l3-one', Level.L3, { onAck: onAck('rs-l3-one') }),
    startAgent(set.urls[1] as string, 'rs-l3-two', Level.L3, { onAck: onAck('rs-l3-two') }),
    startAgent(set.urls[0] as string, 'rs-l3-lead', Level.L3, { onAck: onAck('rs-l3-lead') }),
  ]
  const traffic = createTraffic(
    { logger },
    { rpcUrl: devnet.url, chainId: devnet.chainId, accounts: devnet.accounts.slice(4, 6), seed: 11 },
  )
  const stop = new AbortController()
  const store = await openStore({ url })
  const q = storeSql(store)
  try {
    await traffic.setup()
    const sending = traffic.run({ tps: 10, signal: stop.signal })
    await waitFor(
      'every agent at work, through either replica',
      () =>
        agents.every((_, i) => (acked.get(['rs-l3-one', 'rs-l3-two', 'rs-l3-lead'][i] as string) ?? 0) >= 20),
      90_000,
    )
    const httpOf = (child: { output: () => string }) =>
      /http (http:\/\/\S+)/.exec(child.output())?.[1] as string
    const api = httpOf(standby)
    const status = async (base: string) =>
      (await (await fetch(`${base}/swarm/status`)).json()) as {
        role: string
        agents: { live: number }
        tasks: { answered: number }
        followedBlock: number | null
      }
    await waitFor(
      'the standby showing the live swarm',
      async () => (await status(api)).agents.live === 3,
      10_000,
    )
    const seen = await status(api)
    assert.equal(seen.role, 'standby')
    assert.ok(seen.tasks.answered > 0 && seen.followedBlock !== null, JSON.stringify(seen))
    assert.equal((await status(httpOf(leader))).role, 'leader')
    const listed = (await (await fetch(`${api}/swarm/agents`)).json()) as {
      agents: { id: string; live: boolean }[]
    }
    assert.deepEqual(
      listed.agents
        .filter((a) => a.live)
        .map((a) => a.id)
        .sort(),
      ['rs-l3-lead', 'rs-l3-one', 'rs-l3-two'],
    )
    assert.equal((await fetch(`${api}/v1/epochs/current`)).status, 200)
    assert.equal((await fetch(`${api}/readyz`)).status, 200)
    // The standby serves the explorer too: its page and the script the page names.
    const index = await fetch(`${api}/`)
    assert.equal(index.status, 200)
    const script = /src="(\/assets\/main-[^"]+\.js)"/.exec(await index.text())?.[1]
    assert.ok(script !== undefined)
    assert.equal((await fetch(`${api}${script}`)).status, 200)
    // Each inclusion's level answered by at most k = 2 agents, never twice by one.
    const doubled = await q.all(
      'SELECT inclusion, level, COUNT(*) AS n FROM results GROUP BY inclusion, level HAVING COUNT(*) > 2 OR COUNT(*) <> COUNT(DISTINCT agent_id)',
    )
    assert.deepEqual(doubled, [])
    assert.ok(Number((await q.get<{ n: number }>('SELECT COUNT(*) AS n FROM results'))?.n) >= 60)
    stop.abort()
    await sending
  } catch (error) {
    throw new Error(
      `${(error as Error).message}\nacked: ${JSON.stringify([...acked])}\nstandby: ${standby.output().slice(-3000)}\nleader: ${leader.output().slice(-2000)}`,
    )
  } finally {
    stop.abort()
    await Promise.all(agents.map((a) => a.close({ graceMs: 0 })))
    await store.close()
    await stopProcess(standby, 'SIGTERM')
    await stopProcess(leader, 'SIGTERM')
    await devnet.close()
  }
})

test('a leader paused past its lease (SIGSTOP) and resumed (SIGCONT) after a successor took over writes nothing and stops', {
  timeout: 180_000,
}, async () => {
  const devnet = await startDevnet({ logger }, { port: 0, accounts: 8, blockTime: 1 })
  const url = await databaseUrl()
  const set = await replicas(devnet, url, ['--epoch-seconds', '2'])
  const leader = await startReplica(set.args(set.ports[0] as number))
  const exited = new Promise<number | null>((resolve) => leader.once('exit', (code) => resolve(code)))
  const agent = startAgent(set.urls[0] as string, 'paused-l1', Level.L1)
  const traffic = createTraffic(
    { logger },
    { rpcUrl: devnet.url, chainId: devnet.chainId, accounts: devnet.accounts.slice(4, 6), seed: 3 },
  )
  const stop = new AbortController()
  const store = await openStore({ url })
  const q = storeSql(store)
  /** Every table's rows, counted: what a write would change. */
  const fingerprint = async () => {
    const tables = [
      'agents',
      'blocks',
      'inclusions',
      'assignments',
      'results',
      'rejections',
      'epochs',
      'epoch_agents',
      'epoch_uptime',
      'transactions',
      'outbox',
      'seals',
      'bundle_files',
    ]
    const counts: Record<string, number> = {}
    for (const table of tables)
      counts[table] = Number((await q.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))?.n)
    const agents = await q.all('SELECT id, last_seen_at, session FROM agents ORDER BY id')
    const scored = await q.get('SELECT COUNT(*) AS n FROM results WHERE scored_at IS NOT NULL')
    const uptime = await q.get('SELECT SUM(ms) AS ms FROM epoch_uptime')
    const meta = await q.all('SELECT key, value FROM meta ORDER BY key')
    return JSON.stringify({ counts, agents, scored, uptime, meta })
  }
  try {
    await traffic.setup()
    const sending = traffic.run({ tps: 20, signal: stop.signal })
    await waitFor(
      'the leader at work',
      async () => Number((await q.get<{ n: number }>('SELECT COUNT(*) AS n FROM results'))?.n) > 20,
      60_000,
    )
    leader.kill('SIGSTOP')
    await new Promise((resolve) => setTimeout(resolve, LEASE_MS + 500))
    // A successor takes the lapsed lease (as a standby replica would).
    assert.equal(
      await q.run(
        "UPDATE leases SET holder = 'successor', token = token + 1, expires_at = ? WHERE name = 'leader' AND expires_at < ?",
        Date.now() + 600_000,
        Date.now(),
      ),
      1,
      'the lease had lapsed',
    )
    const before = await fingerprint()
    leader.kill('SIGCONT')
    // Resumed, it still has agents, results in flight, blocks to follow and an epoch to close: none lands.
    const code = await Promise.race([
      exited,
      new Promise((resolve) => setTimeout(() => resolve('still running'), 30_000)),
    ])
    assert.equal(code, 75, `it stops, retryable (APIARY_NOT_LEADER): ${leader.output().slice(-3000)}`)
    assert.equal(await fingerprint(), before, 'not one row written after its term')
    assert.match(leader.output(), /no longer the leader/)
    stop.abort()
    await sending
  } finally {
    stop.abort()
    await agent.close({ graceMs: 0 })
    await store.close()
    leader.kill('SIGCONT')
    await stopProcess(leader, 'SIGKILL')
    await devnet.close()
  }
})
