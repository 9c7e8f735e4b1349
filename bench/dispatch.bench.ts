import { mkdtempSync } from 'node:fs'
import { createServer } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { create, toBinary } from '@bufbuild/protobuf'
import { createDispatcher, type Dispatcher } from '../src/coordinator/dispatch/index.ts'
import { buildSwarmRpc } from '../src/coordinator/rpc/index.ts'
import { createAccuracy } from '../src/coordinator/scoring/index.ts'
import { openStore } from '../src/coordinator/store/index.ts'
import { createTaskHub, type TaskHub } from '../src/coordinator/work/index.ts'
import { Level, TaskResultSchema, type Witness, WitnessSchema } from '../src/gen/apiary/v1/swarm_pb.js'
import { createLogger } from '../src/internal/logger.ts'
import { resultFromVerdict } from '../src/protocol/index.ts'
import { createEngineCrypto, validateEnvelope } from '../src/validation/index.ts'
import { databaseUrl } from '../test/_harness/postgres.ts'
import { machine } from './_lib/machine.ts'
import { signTransaction } from './_lib/sign.ts'

const SECRET = 'the dispatch benchmark master secret'
const POOL = 512
const AGENTS = 32
const MAX_IN_FLIGHT = 256

/**
 * Dispatch: L1 tasks through the whole coordinator path (task hub, dispatcher, store writes of
 * inclusions, assignments and results, gRPC over loopback) to 32 simulated agents on another thread that
 * answer at once with precomputed verdicts. Measures tasks/s with a standing backlog, the latency from
 * assignment to acknowledged result at a fixed rate, and memory over a long run at that rate. Baseline in
 * the same run: the same path on an in-memory SQLite database (no disk, no fsync). The durable stores: a
 * SQLite file and a PostgreSQL server on this machine (the test harness's, started for the run).
 */
export async function benchDispatch({ seconds = 10, memoryMinutes = 1 } = {}) {
  const { witnesses, answers } = makePool()
  const rows: Record<string, string | number>[] = []
  for (const kind of KINDS) {
    const store = STORE_NAMES[kind]
    const backlog = await withSwarm(kind, witnesses, answers, (swarm) =>
      swarm.measure({ seconds, rate: undefined }),
    )
    rows.push({
      store,
      mode: 'backlog',
      'tasks/s': Math.round(backlog.perSecond),
      'p50 ms': backlog.p50,
      'p99 ms': backlog.p99,
    })
    const paced = await withSwarm(kind, witnesses, answers, (swarm) => swarm.measure({ seconds, rate: 5000 }))
    rows.push({
      store,
      mode: '5,000 tasks/s',
      'tasks/s': Math.round(paced.perSecond),
      'p50 ms': paced.p50,
      'p99 ms': paced.p99,
    })
  }
  // One replica against two on PostgreSQL: the simulated agents split between the leader and a standby
  // that relays their calls to it (the relay on its own thread, as its own process would be).
  for (const replicas of [1, 2] as const)
    for (const rate of [undefined, 5000]) {
      const figures = await withSwarm(
        'postgres',
        witnesses,
        answers,
        (swarm) => swarm.measure({ seconds, rate }),
        replicas,
      )
      rows.push({
        store:
          replicas === 1
            ? '1 replica (PostgreSQL): 32 agents on the leader'
            : '2 replicas (PostgreSQL): 16 on the leader, 16 through the standby',
        mode: rate === undefined ? 'backlog' : '5,000 tasks/s',
        'tasks/s': Math.round(figures.perSecond),
        'p50 ms': figures.p50,
        'p99 ms': figures.p99,
      })
    }
  const memory =
    memoryMinutes > 0
      ? await withSwarm('sqlite', witnesses, answers, (swarm) =>
          swarm.memory({ minutes: memoryMinutes, rate: 5000 }),
        )
      : []
  return {
    name: 'dispatch',
    unit: `L1 tasks end to end, ${AGENTS} simulated agents, redundancy 1`,
    machine: machine(),
    rows,
    memory,
  }
}

function makePool() {
  const crypto = createEngineCrypto()
  const key = new Uint8Array(32).fill(7)
  const witnesses: Witness[] = []
  const answers: Uint8Array[] = []
  for (let i = 0; i < POOL; i++) {
    const raw = signTransaction(
      crypto,
      {
        type: 2,
        chainId: 1n,
        nonce: BigInt(i),
        maxPriorityFeePerGas: 1_000_000_000n,
        maxFeePerGas: 30_000_000_000n,
        gasLimit: 21_000n,
        to: new Uint8Array(20).fill(0x42),
        value: 1n,
        data: new Uint8Array(0),
        accessList: [],
        maxFeePerBlobGas: 0n,
        blobVersionedHashes: [],
        authorizationList: [],
      },
      key,
    )
    witnesses.push(
      create(WitnessSchema, {
        chainId: 1n,
        fork: 'prague',
        transaction: raw,
        block: {
          number: BigInt(i),
          timestamp: 1n,
          coinbase: new Uint8Array(20),
          gasLimit: 30_000_000n,
          difficulty: new Uint8Array(0),
        },
      }),
    )
    const verdict = validateEnvelope({ crypto }, { raw, chainId: 1n, fork: 'prague' })
    answers.push(toBinary(TaskResultSchema, resultFromVerdict('', verdict, 0)))
  }
  return { witnesses, answers }
}

interface Swarm {
  measure(options: {
    seconds: number
    rate: number | undefined
  }): Promise<{ perSecond: number; p50: number; p99: number }>
  memory(options: { minutes: number; rate: number }): Promise<Record<string, number>[]>
}

type StoreKind = 'sqlite' | 'postgres' | 'memory'
const KINDS: StoreKind[] = ['sqlite', 'postgres', 'memory']
const STORE_NAMES: Record<StoreKind, string> = {
  sqlite: 'SQLite file (WAL, synchronous=FULL)',
  postgres: 'PostgreSQL 15, loopback (fsync, synchronous_commit on)',
  memory: 'SQLite :memory: (baseline)',
}

async function withSwarm<T>(
  kind: StoreKind,
  witnesses: Witness[],
  answers: Uint8Array[],
  body: (swarm: Swarm) => Promise<T>,
  replicas: 1 | 2 = 1,
): Promise<T> {
  const logger = createLogger({ level: 'silent' })
  const store = await openStore(
    kind === 'postgres'
      ? { url: await databaseUrl() }
      : { path: kind === 'sqlite' ? join(mkdtempSync(join(tmpdir(), 'apiary-bench-')), 'c.db') : ':memory:' },
  )
  const assignedAt = new Map<string, number>()
  const inner = createDispatcher({ redundancy: 1, deadlineMs: 10_000, retainMs: 10_000 })
  const dispatcher: Dispatcher = {
    ...inner,
    assign(agentId, max) {
      const out = inner.assign(agentId, max)
      const at = performance.now()
      for (const a of out) assignedAt.set(a.taskId, at)
      return out
    },
  }
  const hubInner = await createTaskHub({ store, dispatcher, accuracy: createAccuracy(), logger })
  let latencies: number[] = []
  let accepted = 0
  const hub: TaskHub = {
    ...hubInner,
    async submit(agentId, results) {
      const acks = await hubInner.submit(agentId, results)
      const at = performance.now()
      for (const ack of acks) {
        if (!ack.accepted) continue
        accepted++
        const start = assignedAt.get(ack.taskId)
        assignedAt.delete(ack.taskId)
        if (start !== undefined) latencies.push(at - start)
      }
      return acks
    },
  }
  const server = createServer(buildSwarmRpc({ store, hub, logger, masterSecret: SECRET, chainId: 1n }))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const encoded = witnesses.map((w) => toBinary(WitnessSchema, w))
  let sequence = 0
  const feed = async (count: number) => {
    const keys: number[] = []
    for (let i = 0; i < count; i++) keys.push(sequence++)
    await store.work.addInclusions(
      keys.map((n) => ({
        key: `b:${n}`,
        source: 'bench',
        block_number: 0,
        block_hash: '',
        tx_index: 0,
        tx_hash: '',
        witness: encoded[n % POOL] as Uint8Array,
        state: 'pending',
        created_at: 0,
      })),
    )
    for (const n of keys)
      hub.enqueue(`b:${n}`, { witness: witnesses[n % POOL] as Witness, levels: [Level.L1], pending: true })
  }
  const ticker = setInterval(() => hub.tick(), 100)
  const standby =
    replicas === 2
      ? new Worker(new URL('./_lib/relayReplica.ts', import.meta.url), {
          workerData: { leader: url, secret: SECRET },
        })
      : undefined
  const urls = [url]
  if (standby !== undefined)
    urls.push(await new Promise<string>((resolve) => standby.once('message', (m: string) => resolve(m))))
  const worker = new Worker(new URL('./_lib/simAgents.ts', import.meta.url), {
    workerData: { urls, secret: SECRET, agents: AGENTS, maxInFlight: MAX_IN_FLIGHT, answers },
  })
  let registered = 0
  await new Promise<void>((resolve, reject) => {
    worker.on('message', (m) => {
      if (m === 'registered' && ++registered === AGENTS) resolve()
    })
    worker.once('error', reject)
  })
  const run = (seconds: number, rate: number | undefined, onTick?: () => void) =>
    new Promise<void>((resolve) => {
      const every = 10
      let feeding = false
      const feedOnce = (count: number) => {
        if (feeding) return
        feeding = true
        feed(count).finally(() => {
          feeding = false
        })
      }
      const timer = setInterval(() => {
        if (rate === undefined) {
          if (inner.stats().queued < 8000) feedOnce(2000)
        } else feedOnce(Math.round((rate * every) / 1000))
        onTick?.()
      }, every)
      setTimeout(() => {
        clearInterval(timer)
        resolve()
      }, seconds * 1000)
    })
  const swarm: Swarm = {
    async measure({ seconds, rate }) {
      await run(2, rate)
      accepted = 0
      latencies = []
      const started = performance.now()
      await run(seconds, rate)
      const perSecond = (accepted * 1000) / (performance.now() - started)
      latencies.sort((a, b) => a - b)
      const pick = (q: number) => Number((latencies[Math.floor(q * (latencies.length - 1))] ?? 0).toFixed(1))
      return { perSecond, p50: pick(0.5), p99: pick(0.99) }
    },
    async memory({ minutes, rate }) {
      const samples: Record<string, number>[] = []
      const started = performance.now()
      let next = 0
      await run(minutes * 60, rate, () => {
        const elapsed = (performance.now() - started) / 1000
        if (elapsed < next) return
        next += 30
        const m = process.memoryUsage()
        samples.push({
          second: Math.round(elapsed),
          tasks: accepted,
          heapMiB: Math.round(m.heapUsed / 2 ** 20),
          rssMiB: Math.round(m.rss / 2 ** 20),
          ...inner.stats(),
        })
        latencies = []
      })
      return samples
    },
  }
  try {
    return await body(swarm)
  } finally {
    worker.postMessage('stop')
    await worker.terminate()
    await standby?.terminate()
    clearInterval(ticker)
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
      setTimeout(resolve, 1000).unref()
    })
    await store.close()
  }
}
