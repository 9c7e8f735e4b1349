import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { createPublicClient, http, parseEventLogs } from 'viem'
import { AgentRewardPool } from '../src/chain/contracts.generated.ts'
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
  { name: 'while settling (transaction stored, not broadcast)', line: 'settling an epoch' },
  { name: 'just after sealing', line: 'epoch sealed' },
  { name: 'just after closing an epoch', line: 'epoch closed' },
]

for (const point of CRASH_POINTS)
  test(`failover: two replicas on one PostgreSQL; the leader SIGKILLed ${point.name}; the standby takes over within the lease, loses no acknowledged result, pays every epoch once, serves the bundle the dead leader sealed, and the agents keep working`, {
    timeout: 300_000,
  }, async () => {
    const devnet = await startDevnet({ logger }, { port: 0, accounts: 8, blockTime: 1 })
    const client = createPublicClient({ chain: devnet.chain, transport: http(devnet.url) })
    const dir = mkdtempSync(join(tmpdir(), 'apiary-failover-'))
    const { contract: pool, hotWalletFlags, hot } = await deployWithHotWallet(devnet, dir, 'reward-pool')
    const url = await databaseUrl()
    const set = await replicas(devnet, url, [
      ...['--epoch-seconds', '3', '--epoch-reward', '1ether', '--reward-pool', pool],
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
      assert.ok(takeover < LEASE_MS + 3000, `the standby served ${takeover} ms after the leader died`)
      const before = acked.size
      await waitFor('the agents at work on the new leader', () => acked.size >= before + 60, 90_000)
      // The bundle the dead leader sealed is served by the new one, from the store (not from its own datadir).
      const api = /http (http:\/\/\S+)/.exec(second.output())?.[1] as string
      const epoch1 = (await (await fetch(`${api}/v1/epochs/1`)).json()) as {
        state: string
        seal: { cid: string }
      }
      assert.equal(epoch1.state, 'sealed')
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
        await waitFor(
          'two epochs settled after the failover',
          async () =>
            Number(
              (
                await q.get<{ n: number }>(
                  "SELECT COUNT(*) AS n FROM epochs WHERE settlement = 'settled' AND settled_at > ?",
                  killedAt,
                )
              )?.n ?? 0,
            ) >= 2,
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
        // Every settled epoch has exactly one Settled event, every pool transaction of the hot wallet succeeded.
        const settled = await q.all<{ number: number; tx_hash: `0x${string}` }>(
          "SELECT number, tx_hash FROM epochs WHERE settlement = 'settled' ORDER BY number",
        )
        const events = await client.getContractEvents({
          address: pool,
          abi: AgentRewardPool.abi,
          eventName: 'Settled',
          fromBlock: 0n,
        })
        const byEpoch = new Map<bigint, number>()
        for (const e of events)
          byEpoch.set(e.args.epoch as bigint, (byEpoch.get(e.args.epoch as bigint) ?? 0) + 1)
        assert.ok(settled.length >= 2, `${settled.length} epochs settled`)
        for (const row of settled)
          assert.equal(byEpoch.get(BigInt(row.number)), 1, `epoch ${row.number} settled once`)
        const head = await client.getBlockNumber()
        for (let n = 1n; n <= head; n++) {
          const block = await client.getBlock({ blockNumber: n, includeTransactions: true })
          for (const tx of block.transactions)
            if (tx.from.toLowerCase() === hot.toLowerCase()) {
              const receipt = await client.getTransactionReceipt({ hash: tx.hash })
              assert.equal(receipt.status, 'success', `the hot wallet's ${tx.hash} did not revert`)
              assert.ok(parseEventLogs({ abi: AgentRewardPool.abi, logs: receipt.logs }).length > 0)
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
