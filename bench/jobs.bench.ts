import { rmSync } from 'node:fs'
import OpenAI from 'openai'
import type { Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createAgent, createChatBackend } from '../src/agent/index.ts'
import { startDevnet } from '../src/chain/index.ts'
import { deriveApiKey, deriveClientKey } from '../src/coordinator/identity/index.ts'
import { Level } from '../src/gen/apiary/v1/swarm_pb.js'
import { createLogger } from '../src/internal/logger.ts'
import { startPaidCoordinator } from '../test/_harness/jobs.ts'
import { startLlmProvider } from '../test/_harness/llmProvider.ts'
import { machine } from './_lib/machine.ts'
import { ms, percentile } from './_lib/percentile.ts'

const SECRET = 'the bench master secret, 32 bytes'
const JOBS = 200
const CHATS = 20

/**
 * Client jobs end to end (issue 21), on the embedded devnet with an in-process coordinator (SQLite) and two
 * L3 agents (one worker thread each), k = 2:
 * - `evm.simulate` jobs/s and latency (POST to the job completed, polled every 5 ms) with 8 and 32 jobs in
 *   flight; baseline in the same run: the devnet's own `debug_traceCall` of the same call (prestateTracer),
 *   what one simulation costs without a swarm.
 * - The OpenAI-compatible gateway's overhead: time to first token and tokens/s of a streamed chat (100
 *   tokens, the stand-in provider pacing them 2 ms apart) through the gateway vs the same client calling the
 *   provider directly, in the same run.
 */
export async function benchJobs() {
  const logger = createLogger({ level: 'silent' })
  const devnet = await startDevnet({ logger }, { port: 0, accounts: 10 })
  const provider = await startLlmProvider({ delayMs: 2 })
  const { coordinator, client, datadir, headers } = await startPaidCoordinator(devnet, {
    deposit: 1000n * 10n ** 18n,
    deadlineMs: 10_000,
    httpLimits: { perMinute: 1_000_000 },
    jobs: { prices: { 'evm.simulate': { coin: 10n ** 12n, token: 1000n } } },
  })
  const agent = (id: string, extra: Partial<Parameters<typeof createAgent>[0]> = {}) =>
    createAgent({
      logger,
      agentId: id,
      coordinators: [{ url: coordinator.grpcUrl, apiKey: deriveApiKey(SECRET, id) }],
      wallet: privateKeyToAccount(devnet.accounts[1 + id.length]?.privateKey as Hex),
      level: Level.L3,
      region: 'bench',
      maxInFlight: 64,
      threads: 1,
      ...extra,
    })
  const agents = [
    agent('sim-a'),
    agent('sim-bb'),
    agent('chat-ccc', {
      mode: 'llm',
      threads: 0,
      chat: createChatBackend({ kind: 'openai', url: `${provider.url}/v1`, models: [{ name: 'echo' }] }),
    }),
  ]
  const rows: Record<string, string | number>[] = []
  try {
    await new Promise((resolve) => setTimeout(resolve, 1500)) // agents registered and streaming
    const call = { from: client, to: devnet.accounts[2]?.address, value: '0x1' }
    // Baseline: the node simulating the same call itself.
    const direct: number[] = []
    for (let i = 0; i < 50; i++) {
      const t0 = performance.now()
      await devnet.request('debug_traceCall', [call, 'latest', { tracer: 'prestateTracer' }])
      direct.push(performance.now() - t0)
    }
    direct.sort((a, b) => a - b)
    rows.push({
      case: "devnet's own debug_traceCall (baseline)",
      'jobs/s': ms(1000 / (direct.reduce((a, b) => a + b, 0) / direct.length)),
      'p50 ms': ms(percentile(direct, 50)),
      'p99 ms': ms(percentile(direct, 99)),
      'admission p50 ms': '-',
    })
    for (const inFlight of [8, 32]) {
      const latencies: number[] = []
      const admissions: number[] = []
      let next = 0
      const started = performance.now()
      const worker = async () => {
        while (next < JOBS) {
          next++
          const t0 = performance.now()
          const response = await fetch(`${coordinator.httpUrl}/v1/jobs`, {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/json' },
            body: JSON.stringify({
              type: 'evm.simulate',
              input: { transactions: [call] },
              maxFee: '1000000000000',
            }),
          })
          const { id } = (await response.json()) as { id: string }
          admissions.push(performance.now() - t0)
          for (;;) {
            const job = (await (await fetch(`${coordinator.httpUrl}/v1/jobs/${id}`, { headers })).json()) as {
              state: string
            }
            if (job.state === 'completed') break
            if (job.state !== 'queued' && job.state !== 'running') throw new Error(`job ${id} ${job.state}`)
            await new Promise((resolve) => setTimeout(resolve, 5))
          }
          latencies.push(performance.now() - t0)
        }
      }
      await Promise.all(Array.from({ length: inFlight }, worker))
      const seconds = (performance.now() - started) / 1000
      latencies.sort((a, b) => a - b)
      admissions.sort((a, b) => a - b)
      rows.push({
        case: `evm.simulate, k = 2, ${inFlight} in flight (${JOBS} jobs)`,
        'jobs/s': ms(JOBS / seconds),
        'p50 ms': ms(percentile(latencies, 50)),
        'p99 ms': ms(percentile(latencies, 99)),
        'admission p50 ms': ms(percentile(admissions, 50)),
      })
    }
    // The gateway: the same openai client, directly to the provider and through the coordinator.
    const words = Array.from({ length: 99 }, (_, i) => `w${i}`).join(' ')
    const messages = [{ role: 'user' as const, content: words }]
    for (const [name, openai] of [
      ['LLM provider directly (baseline)', new OpenAI({ baseURL: `${provider.url}/v1`, apiKey: 'x' })],
      [
        'through the gateway (coordinator → agent → provider)',
        new OpenAI({
          baseURL: `${coordinator.httpUrl}/v1`,
          apiKey: deriveClientKey(SECRET, client),
          defaultHeaders: { 'x-apiary-client': client },
        }),
      ],
    ] as const) {
      const firsts: number[] = []
      const rates: number[] = []
      for (let i = 0; i < CHATS; i++) {
        const t0 = performance.now()
        let first: number | undefined
        let tokens = 0
        const stream = await openai.chat.completions.create({ model: 'echo', messages, stream: true })
        for await (const chunk of stream)
          if ((chunk.choices[0]?.delta.content ?? '') !== '') {
            first ??= performance.now()
            tokens++
          }
        const end = performance.now()
        firsts.push((first ?? end) - t0)
        rates.push(tokens / ((end - (first ?? t0)) / 1000))
      }
      firsts.sort((a, b) => a - b)
      rates.sort((a, b) => a - b)
      rows.push({
        case: `chat, 100 tokens streamed: ${name}`,
        'jobs/s': '-',
        'p50 ms': `TTFT ${ms(percentile(firsts, 50))}`,
        'p99 ms': `TTFT ${ms(percentile(firsts, 99))}`,
        'admission p50 ms': `${ms(percentile(rates, 50))} tokens/s p50`,
      })
    }
  } finally {
    await Promise.all(agents.map((a) => a.close({ graceMs: 1000 })))
    await coordinator.close()
    await provider.close()
    await devnet.close()
    rmSync(datadir, { recursive: true, force: true })
  }
  return { unit: 'end to end, this machine', machine: machine(), rows }
}
