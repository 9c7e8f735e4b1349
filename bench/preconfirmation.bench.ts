import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts'
import { createAgent } from '../src/agent/index.ts'
import {
  buildWitness,
  createBlockExecutor,
  createRpcClient,
  createTraffic,
  DEVNET_MNEMONIC,
  type RpcBlock,
  startDevnet,
} from '../src/chain/index.ts'
import { createCanaryMaker } from '../src/coordinator/canaries/index.ts'
import { deriveApiKey } from '../src/coordinator/identity/index.ts'
import { openStore } from '../src/coordinator/store/index.ts'
import { Level } from '../src/gen/apiary/v1/swarm_pb.js'
import { createLogger } from '../src/internal/logger.ts'
import { witnessToMessage } from '../src/protocol/index.ts'
import { createEngineCrypto, createVmPool, parseWitness } from '../src/validation/index.ts'
import { storeSql } from '../test/_harness/storeSql.ts'
import { machine } from './_lib/machine.ts'

const SECRET = 'the pre-confirmation benchmark master secret'
const CLI = resolve(import.meta.dirname, '..', 'src', 'cli', 'apiary.ts')
/** Copies of each L3 task: the p99 is to this many acknowledged L3 answers. */
const K = 2

/**
 * Pre-confirmation work on the devnet with 1-second blocks, at `apiary traffic` rates: the coordinator (its
 * own process, so its CPU is its own) follows the pending block; one L1, one L2 and two L3 agents answer.
 * For each rate it runs twice, with canaries at the default rate and without (the baseline of the same
 * run), and reports the share of mined transactions answered at L3 before their block existed, the share
 * that earned (landed as pre-executed, matched, committed before the block), the void share, the time
 * from the coordinator's first sight of a pending transaction to K acknowledged L3 answers, and the
 * coordinator's CPU: the difference between the two runs is what canaries cost.
 */
export async function benchPreconfirmation({ seconds = 20, rates = [8, 50, 200] } = {}) {
  const rows: Record<string, string | number>[] = []
  for (const tps of rates) {
    const withCanaries = await run(tps, 0.125, seconds)
    const without = await run(tps, 0, seconds)
    const share = (n: number, of: number) => (of === 0 ? '-' : `${((100 * n) / of).toFixed(1)} %`)
    rows.push({
      tps,
      'mined txs': withCanaries.mined,
      'answered before block': share(withCanaries.early, withCanaries.mined),
      earned: share(withCanaries.earned, withCanaries.mined),
      void: share(withCanaries.voided, withCanaries.landed + withCanaries.voided),
      [`p50 ms to ${K} L3 acks`]: withCanaries.p50,
      [`p99 ms to ${K} L3 acks`]: withCanaries.p99,
      canaries: withCanaries.canaries,
      'coordinator CPU': `${withCanaries.cpu.toFixed(1)} %`,
      'CPU without canaries': `${without.cpu.toFixed(1)} %`,
      'canary share of CPU': `${((100 * (withCanaries.cpu - without.cpu)) / withCanaries.cpu).toFixed(1)} %`,
    })
  }
  return { unit: `${seconds} s of traffic per run, 1-second blocks`, machine: machine(), rows }
}

async function run(tps: number, canaryRate: number, seconds: number) {
  const logger = createLogger({ level: 'warn' })
  const devnet = await startDevnet({ logger }, { port: 0, accounts: 24, blockTime: 1 })
  const rpc = createRpcClient(devnet.url)
  const head = async () => Number(BigInt((await rpc('eth_blockNumber', [])) as string))
  const datadir = mkdtempSync(join(tmpdir(), 'apiary-bench-pre-'))
  const port = await freePort()
  const coordinator = await startCoordinator([
    'coordinator',
    ...['--rpc', devnet.url, '--datadir', datadir, '--master-secret', SECRET],
    ...['--grpc-port', String(port), '--http-port', '0', '--confirmations', '0', '--poll-ms', '200'],
    ...['--redundancy', String(K), '--canary-rate', String(canaryRate), '--log-level', 'warn'],
  ])
  const url = `http://127.0.0.1:${port}`
  const agents = (
    [
      ['bench-l1', Level.L1],
      ['bench-l2', Level.L2],
      ['bench-l3-a', Level.L3],
      ['bench-l3-b', Level.L3],
    ] as const
  ).map(([id, level], i) =>
    createAgent({
      logger,
      agentId: id,
      coordinators: [{ url, apiKey: deriveApiKey(SECRET, id) }],
      wallet: privateKeyToAccount(`0x${(i + 1).toString(16).padStart(64, '7')}`),
      level,
      region: 'bench',
      maxInFlight: 256,
      threads: 0,
    }),
  )
  const traffic = createTraffic(
    { logger },
    { rpcUrl: devnet.url, chainId: devnet.chainId, accounts: devnet.accounts.slice(0, 20), seed: tps },
  )
  try {
    await traffic.setup()
    const from = (await head()) + 1
    const cpu0 = cpuSeconds(coordinator.pid as number)
    const t0 = performance.now()
    const stop = AbortSignal.timeout(seconds * 1000)
    await traffic.run({ tps, signal: stop })
    const cpu = (100 * (cpuSeconds(coordinator.pid as number) - cpu0)) / ((performance.now() - t0) / 1000)
    const to = await head()
    // Let the last blocks land and be scored.
    await new Promise((r) => setTimeout(r, 4000))
    await Promise.all(agents.map((a) => a.close({ graceMs: 0 })))
    await stop_(coordinator)
    const store = await openStore({ path: join(datadir, 'coordinator.db') })
    try {
      const q = async <T>(sql: string, ...params: unknown[]) =>
        (await storeSql(store).get(sql, ...params)) as T
      const mined = Number(
        (
          await Promise.all(
            Array.from({ length: to - from + 1 }, (_, i) =>
              rpc('eth_getBlockTransactionCountByNumber', [`0x${(from + i).toString(16)}`]),
            ),
          )
        ).reduce((sum: number, n) => sum + Number(BigInt(n as string)), 0),
      )
      const inWindow = `i.source = 'pending' AND i.block_number BETWEEN ${from} AND ${to}`
      const early = (
        await q<{ n: number }>(
          `SELECT COUNT(DISTINCT i.key) AS n FROM inclusions i JOIN results r ON r.inclusion = i.key
         WHERE ${inWindow} AND i.block_hash != '' AND r.level = 3 AND r.received_at <= i.absent_at`,
        )
      ).n
      const earned = (
        await q<{ n: number }>(
          `SELECT COUNT(DISTINCT i.key) AS n FROM inclusions i JOIN results r ON r.inclusion = i.key
         WHERE ${inWindow} AND i.state = 'final' AND r.level = 3 AND r.matched = 1 AND r.received_at <= i.absent_at`,
        )
      ).n
      const landed = (
        await q<{ n: number }>(
          `SELECT COUNT(*) AS n FROM inclusions i WHERE ${inWindow} AND i.state = 'final'`,
        )
      ).n
      const voided = (
        await q<{ n: number }>(
          `SELECT COUNT(*) AS n FROM inclusions i WHERE ${inWindow} AND i.state = 'void'`,
        )
      ).n
      const canaries = (
        await q<{ n: number }>("SELECT COUNT(DISTINCT tx_hash) AS n FROM inclusions WHERE source = 'canary'")
      ).n
      // First sight (the pending inclusion's creation) to the K-th acknowledged L3 answer.
      const latencies: number[] = []
      let key = ''
      let n = 0
      for (const row of (await storeSql(
        store,
      ).all(`SELECT i.key, i.created_at AS seen, r.received_at AS at FROM inclusions i JOIN results r ON r.inclusion = i.key
           WHERE i.source = 'pending' AND r.level = 3 ORDER BY i.key, r.received_at`)) as Iterable<{
        key: string
        seen: number
        at: number
      }>) {
        n = row.key === key ? n + 1 : 1
        key = row.key
        if (n === K) latencies.push(row.at - row.seen)
      }
      latencies.sort((a, b) => a - b)
      const pct = (p: number) =>
        latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0
      return { mined, early, earned, landed, voided, canaries, p50: pct(0.5), p99: pct(0.99), cpu }
    } finally {
      store.close()
    }
  } finally {
    await Promise.all(agents.map((a) => a.close({ graceMs: 0 })))
    await stop_(coordinator)
    await devnet.close()
    rmSync(datadir, { recursive: true, force: true })
  }
}

/** utime + stime of a process, in seconds (Linux /proc). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) / 100
}

function startCoordinator(args: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((ready, failed) => {
    let output = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('coordinator  grpc')) ready(child)
    })
    child.once('exit', (code) => failed(new Error(`the coordinator exited (${code}): ${output}`)))
  })
}

async function stop_(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  await exited
}

function freePort(): Promise<number> {
  return new Promise((ready) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => ready(port))
    })
  })
}

/**
 * What one canary costs the coordinator, against what one pending transaction costs it, measured apart in
 * this process (the devnet is another process, so its CPU is not counted): 200 pending transactions of
 * `apiary traffic` are pre-executed one by one over the candidate block (the coordinator's per-transaction
 * work before dispatch) and a canary is made from each (signing, execution at that place, the engine's
 * answer at three levels, the witness, the store).
 */
export async function benchCanaryCost({ transactions = 200 } = {}) {
  const logger = createLogger({ level: 'warn' })
  const port = await freePort()
  const devnet = await startProcess(
    [CLI, 'devnet', '--port', String(port), '--block-time', '1', '--accounts', '24', '--log-level', 'warn'],
    'Ctrl-C stops it.',
  )
  const url = `http://127.0.0.1:${port}`
  const rpc = createRpcClient(url)
  try {
    const chainId = BigInt((await rpc('eth_chainId', [])) as string)
    const accounts = Array.from({ length: 20 }, (_, addressIndex) => {
      const account = mnemonicToAccount(DEVNET_MNEMONIC, { addressIndex })
      const privateKey =
        `0x${Buffer.from(account.getHdKey().privateKey as Uint8Array).toString('hex')}` as const
      return { address: account.address.toLowerCase() as `0x${string}`, privateKey }
    })
    const traffic = createTraffic({ logger }, { rpcUrl: url, chainId: Number(chainId), accounts, seed: 1 })
    await traffic.setup()
    await rpc('evm_setIntervalMining', [0])
    await traffic.run({ tps: 1000, maxTransactions: transactions })
    const pending = (await rpc('eth_getBlockByNumber', ['pending', true])) as RpcBlock & {
      transactions: Record<string, unknown>[]
    }
    const parent = (await rpc('eth_getBlockByHash', [pending.parentHash, false])) as RpcBlock
    const block: RpcBlock = {
      ...pending,
      number: `0x${(BigInt(parent.number) + 1n).toString(16)}`,
      hash: '',
      ...(parent.mixHash === undefined ? {} : { mixHash: parent.mixHash }),
    }
    const crypto = createEngineCrypto()
    const vms = createVmPool(crypto)
    const store = await openStore({ path: ':memory:' })
    const canaries = createCanaryMaker({ store, rpc, logger, crypto, vms, chainId, fork: 'prague', rate: 1 })
    const executor = await createBlockExecutor({ rpc, crypto, vms }, { block, chainId, fork: 'prague' })
    let txCpu = 0
    let canaryCpu = 0
    const cpu = () => {
      const u = process.cpuUsage()
      return (u.user + u.system) / 1000
    }
    for (const [i, tx] of pending.transactions.entries()) {
      let t = cpu()
      const executed = await executor.next(tx)
      witnessToMessage(
        parseWitness(buildWitness({ tx, block, prestate: executed.prestate, chainId, fork: 'prague' })),
        { full: true },
      )
      txCpu += cpu() - t
      t = cpu()
      await canaries.offer({ tx, block, prestate: executed.prestate, txIndex: i, executor })
      canaryCpu += cpu() - t
    }
    const n = pending.transactions.length
    const made = canaries.status().made
    return {
      unit: `${n} pending transactions pre-executed, ${made} canaries made from them`,
      machine: machine(),
      rows: [
        {
          'CPU ms per pending tx (pre-execution + witness)': (txCpu / n).toFixed(2),
          'CPU ms per canary': (canaryCpu / Math.max(1, made)).toFixed(2),
          'canary / pending tx': (canaryCpu / Math.max(1, made) / (txCpu / n)).toFixed(2),
        },
      ],
    }
  } finally {
    await stop_(devnet)
  }
}

function startProcess(args: string[], ready: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  return new Promise((done, failed) => {
    let output = ''
    const on = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes(ready)) done(child)
    }
    child.stdout?.on('data', on)
    child.stderr?.on('data', on)
    child.once('exit', (code) => failed(new Error(`exited (${code}): ${output}`)))
  })
}
