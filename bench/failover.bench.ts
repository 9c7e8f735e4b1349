import type { ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startDevnet } from '../src/chain/index.ts'
import { createLogger } from '../src/internal/logger.ts'
import { startApiary, stopProcess } from '../test/_harness/cli.ts'
import { databaseUrl } from '../test/_harness/postgres.ts'
import { freePort } from '../test/_harness/swarm.ts'
import { machine } from './_lib/machine.ts'

const RUNS = 5
const SECRET = 'the failover bench secret, 32 b!'

/**
 * Failover: two coordinator processes on one PostgreSQL database following a devnet (a block a second);
 * the leader is SIGKILLed and the time until the standby serves (prints its ports) is measured, RUNS times
 * per lease term. The floor is the lease term itself: the standby may take the lease only once it lapsed.
 */
export async function benchFailover() {
  const logger = createLogger({ level: 'silent' })
  const devnet = await startDevnet({ logger }, { port: 0, accounts: 4, blockTime: 1 })
  const rows: Record<string, string | number>[] = []
  try {
    for (const leaseMs of [2000, 5000]) {
      const times: number[] = []
      for (let run = 0; run < RUNS; run++) {
        const url = await databaseUrl()
        const args = async () => [
          'coordinator',
          ...['--rpc', devnet.url, '--database', url, '--master-secret', SECRET],
          ...['--datadir', mkdtempSync(join(tmpdir(), 'apiary-failover-bench-'))],
          ...['--grpc-port', String(await freePort()), '--http-port', '0', '--lease-ms', String(leaseMs)],
          ...['--log-level', 'info'],
        ]
        const leader = await startApiary(await args(), { ready: 'coordinator  grpc' })
        let waiting!: () => void
        const standingBy = new Promise<void>((resolve) => {
          waiting = resolve
        })
        const standby = startApiary(await args(), {
          ready: 'coordinator  grpc',
          onLine: (line) => {
            if (line.includes('standby')) waiting()
          },
        })
        await standingBy
        // Let the leader renew at least once more, as it would in service.
        await new Promise((resolve) => setTimeout(resolve, leaseMs / 2))
        const killedAt = performance.now()
        await stopProcess(leader, 'SIGKILL')
        const next: ChildProcess = await standby
        times.push(performance.now() - killedAt)
        await stopProcess(next, 'SIGTERM')
      }
      const sorted = [...times].sort((a, b) => a - b)
      rows.push({
        'lease ms': leaseMs,
        runs: RUNS,
        'median ms': Math.round(sorted[Math.floor(RUNS / 2)] as number),
        'min ms': Math.round(sorted[0] as number),
        'max ms': Math.round(sorted.at(-1) as number),
        'median / lease': Number(((sorted[Math.floor(RUNS / 2)] as number) / leaseMs).toFixed(2)),
      })
    }
  } finally {
    await devnet.close()
  }
  return {
    name: 'failover',
    unit: 'SIGKILL of the leader → the standby serving, two replicas on PostgreSQL',
    machine: machine(),
    rows,
  }
}
