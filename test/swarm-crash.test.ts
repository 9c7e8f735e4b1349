import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { createTraffic, startDevnet } from '../src/chain/index.ts'
import { openStore } from '../src/coordinator/store/index.ts'
import { startApiary, stopProcess } from './_harness/cli.ts'
import { DIALECTS, storeLocation } from './_harness/postgres.ts'
import { storeSql } from './_harness/storeSql.ts'
import { freePort, Level, logger, SECRET, startAgent, waitFor } from './_harness/swarm.ts'

const startCoordinator = (args: string[]) =>
  startApiary(['coordinator', ...args], { ready: 'coordinator  grpc' })

for (const dialect of DIALECTS)
  test(`a coordinator (${dialect}) killed with SIGKILL and restarted loses no acknowledged result; agents reconnect by themselves`, {
    timeout: 180_000,
  }, async () => {
    const devnet = await startDevnet({ logger }, { port: 0, accounts: 8 })
    const datadir = mkdtempSync(join(tmpdir(), 'apiary-crash-'))
    const location = await storeLocation(dialect, join(datadir, 'coordinator.db'))
    const port = await freePort()
    const args = [
      '--rpc',
      devnet.url,
      '--datadir',
      datadir,
      ...('url' in location ? ['--database', location.url] : []),
      '--master-secret',
      SECRET,
      '--grpc-port',
      String(port),
      '--http-port',
      '0',
      '--confirmations',
      '0',
      '--poll-ms',
      '100',
      '--deadline-ms',
      '5000',
    ]
    let coordinator: ChildProcess | undefined
    const acked = new Set<string>()
    const onAck = ({ taskId, accepted }: { taskId: string; accepted: boolean }) => {
      if (accepted) acked.add(taskId)
    }
    const url = `http://127.0.0.1:${port}`
    const agents = [
      startAgent(url, 'crash-l3', Level.L3, { onAck }),
      startAgent(url, 'crash-l1', Level.L1, { onAck }),
    ]
    const traffic = createTraffic(
      { logger },
      { rpcUrl: devnet.url, chainId: devnet.chainId, accounts: devnet.accounts.slice(0, 5), seed: 11 },
    )
    const stop = new AbortController()
    try {
      coordinator = await startCoordinator(args)
      await traffic.setup()
      const sending = traffic.run({ tps: 40, signal: stop.signal })
      await waitFor('100 acknowledged results', () => acked.size >= 100, 60_000)
      await stopProcess(coordinator, 'SIGKILL')
      const beforeRestart = acked.size
      coordinator = await startCoordinator(args)
      await waitFor('agents back at work', () => acked.size >= beforeRestart + 100, 90_000)
      stop.abort()
      await sending

      await Promise.all(agents.map((a) => a.close({ graceMs: 2000 })))
      await stopProcess(coordinator, 'SIGTERM')
      const store = await openStore(location)
      try {
        const stored = new Set(
          (await storeSql(store).all<{ task_id: string }>('SELECT task_id FROM results')).map(
            (r) => r.task_id,
          ),
        )
        const lost = [...acked].filter((id) => !stored.has(id))
        assert.deepEqual(lost, [], `${lost.length} of ${acked.size} acknowledged results missing`)
        const scored = (await storeSql(store).get('SELECT COUNT(*) AS n FROM results WHERE matched = 1')) as {
          n: number
        }
        assert.ok(scored.n > 100, 'work continued and was scored after the restart')
      } finally {
        await store.close()
      }
    } finally {
      stop.abort()
      await Promise.all(agents.map((a) => a.close({ graceMs: 0 })))
      if (coordinator !== undefined) await stopProcess(coordinator, 'SIGKILL')
      await devnet.close()
    }
  })
