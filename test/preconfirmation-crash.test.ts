import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { createRpcClient, createTraffic, startDevnet } from '../src/chain/index.ts'
import { openStore } from '../src/coordinator/store/index.ts'
import { startApiary, stopProcess } from './_harness/cli.ts'
import { DIALECTS, storeLocation } from './_harness/postgres.ts'
import { storeSql } from './_harness/storeSql.ts'
import { freePort, Level, logger, SECRET, startAgent, waitFor } from './_harness/swarm.ts'

const startCoordinator = (args: string[]) =>
  startApiary(['coordinator', ...args], { ready: 'coordinator  grpc' })

for (const dialect of DIALECTS)
  test(`a coordinator (${dialect}) SIGKILLed between dispatching pending transactions and their block loses no acknowledged commitment: after the restart each is scored once, and still counts as committed before its block`, {
    timeout: 180_000,
  }, async () => {
    // Eight-second blocks: the pending transactions are answered and the coordinator killed well inside one.
    const devnet = await startDevnet({ logger }, { port: 0, accounts: 8, blockTime: 8 })
    const rpc = createRpcClient(devnet.url)
    const head = async () => Number(BigInt((await rpc('eth_blockNumber', [])) as string))
    const datadir = mkdtempSync(join(tmpdir(), 'apiary-precrash-'))
    const location = await storeLocation(dialect, join(datadir, 'coordinator.db'))
    const port = await freePort()
    const httpPort = await freePort()
    const args = [
      '--http-port',
      String(httpPort),
      '--rpc',
      devnet.url,
      '--datadir',
      datadir,
      ...('url' in location ? ['--database', location.url] : []),
      '--master-secret',
      SECRET,
      '--grpc-port',
      String(port),
      '--confirmations',
      '0',
      '--poll-ms',
      '100',
      '--deadline-ms',
      '5000',
    ]
    const acked = new Map<string, number>()
    const onAck = ({ taskId, accepted }: { taskId: string; accepted: boolean }) => {
      if (accepted) acked.set(taskId, Date.now())
    }
    const url = `http://127.0.0.1:${port}`
    const agents = [
      startAgent(url, 'precrash-l3', Level.L3, { onAck }),
      startAgent(url, 'precrash-l2', Level.L2, { onAck }),
    ]
    let coordinator: ChildProcess | undefined
    try {
      coordinator = await startCoordinator(args)
      const traffic = createTraffic(
        { logger },
        { rpcUrl: devnet.url, chainId: devnet.chainId, accounts: devnet.accounts.slice(0, 5), seed: 3 },
      )
      await traffic.setup()
      // Right after a block: the next one is eight seconds away.
      const start = await head()
      await waitFor('a fresh block', async () => (await head()) > start, 20_000)
      const pendingAt = await head()
      await traffic.run({ tps: 50, maxTransactions: 12 })
      await waitFor('the pending transactions answered at L2 and L3', () => acked.size >= 24, 4000)
      // The coordinator keeps its last look at the head at most every second: an answer is known to precede
      // its block once a look after it was kept. Kill it after that, well before the block.
      await new Promise((r) => setTimeout(r, 1500))
      await stopProcess(coordinator, 'SIGKILL')
      coordinator = undefined
      const killedAt = Date.now()
      assert.equal(await head(), pendingAt, 'the block had not arrived when the coordinator was killed')
      const beforeKill = new Set(acked.keys())

      await waitFor(
        'the block mined while the coordinator is down',
        async () => (await head()) > pendingAt,
        20_000,
      )
      coordinator = await startCoordinator(args)
      const store = await openStore(location)
      try {
        const waiting = async () =>
          Number(
            (
              await storeSql(store).get<{ n: number }>(
                "SELECT COUNT(*) AS n FROM inclusions WHERE source = 'pending' AND state = 'pending'",
              )
            )?.n ?? 1,
          )
        await waitFor('every pending transaction landed or void', async () => (await waiting()) === 0, 30_000)
        const rows = await storeSql(store).all<{
          task_id: string
          received_at: number
          scored_at: number | null
          matched: number
          absent_at: number | null
          block_number: number
          state: string
        }>(`SELECT r.task_id, r.received_at, r.scored_at, r.matched, i.absent_at, i.state, i.block_number
           FROM results r JOIN inclusions i ON i.key = r.inclusion WHERE i.source = 'pending'`)
        const byTask = new Map(rows.map((r) => [r.task_id, r]))
        assert.equal(byTask.size, rows.length, 'one result per task')
        const stored = new Set(
          (await storeSql(store).all<{ task_id: string }>('SELECT task_id FROM results')).map(
            (r) => r.task_id,
          ),
        )
        const lost = [...beforeKill].filter((id) => !stored.has(id))
        assert.deepEqual(lost, [], 'no acknowledged commitment lost')
        // The traffic's transactions, pending in the block after pendingAt (the setup's were mined before, and
        // may have been answered after their block): those that landed as pre-executed are scored (a void one,
        // pre-executed at another place than it landed, never is).
        const mine = rows.filter(
          (r) => beforeKill.has(r.task_id) && r.state === 'final' && r.block_number > pendingAt,
        )
        assert.ok(mine.length >= 2, `${mine.length} pending answers acknowledged before the kill landed`)
        for (const r of mine) {
          assert.ok(r.scored_at !== null, 'scored')
          assert.equal(r.matched, 1)
          assert.ok(r.received_at < killedAt)
          // The look at the head kept last before the kill (at most a second old) saw no block: it is the
          // block's absence time, so every answer committed before it was committed before its truth.
          if (r.received_at < killedAt - 1100)
            assert.ok(
              r.absent_at !== null && r.received_at <= r.absent_at,
              `committed at ${r.received_at}, block absent at ${r.absent_at}, killed at ${killedAt}`,
            )
        }
        const kept = mine.filter((r) => r.received_at < killedAt - 1100).length
        assert.ok(kept >= 2, `${kept} of ${mine.length} landed answers before the last kept look`)
        // Scored once: the restarted coordinator's count of scored answers is the store's.
        const status = (await (await fetch(`http://127.0.0.1:${httpPort}/swarm/status`)).json()) as {
          tasks: { scored: number }
        }
        const scored = await storeSql(store).get<{ n: number }>('SELECT COUNT(scored_at) AS n FROM results')
        assert.equal(status.tasks.scored, scored?.n)
      } finally {
        store.close()
      }
    } finally {
      await Promise.all(agents.map((a) => a.close({ graceMs: 0 })))
      if (coordinator !== undefined) await stopProcess(coordinator, 'SIGKILL')
      await devnet.close()
      rmSync(datadir, { recursive: true, force: true })
    }
  })
