import { parentPort, workerData } from 'node:worker_threads'
import { create, fromBinary } from '@bufbuild/protobuf'
import { createClient } from '@connectrpc/connect'
import { createGrpcTransport } from '@connectrpc/connect-node'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { deriveApiKey } from '../../src/coordinator/identity/index.ts'
import { Level, SwarmService, type TaskResult, TaskResultSchema } from '../../src/gen/apiary/v1/swarm_pb.js'
import { signRegistration } from '../../src/protocol/index.ts'

/**
 * Simulated agents for the dispatch benchmark, on their own thread: each registers, streams tasks and
 * answers every batch at once with the precomputed L1 verdict of its transaction (pool index = the
 * witness's block number), so the figures measure the coordinator, not the engine.
 */
const { urls, secret, agents, maxInFlight, answers } = workerData as {
  /** Agent i calls urls[i % urls.length] (one replica, or agents split between replicas). */
  urls: string[]
  secret: string
  agents: number
  maxInFlight: number
  answers: Uint8Array[]
}
const pool = answers.map((bytes) => fromBinary(TaskResultSchema, bytes))
const clients = urls.map((baseUrl) =>
  createClient(SwarmService, createGrpcTransport({ baseUrl, acceptCompression: [] })),
)
const stop = new AbortController()
parentPort?.on('message', (message) => {
  if (message === 'stop') stop.abort()
})

async function run(index: number) {
  const agentId = `sim-${index}`
  const client = clients[index % clients.length] as (typeof clients)[number]
  const headers = { 'x-apiary-agent-id': agentId, authorization: `Bearer ${deriveApiKey(secret, agentId)}` }
  const wallet = privateKeyToAccount(generatePrivateKey())
  const { chainId } = await client.heartbeat({ session: 0n }, { headers })
  const { session } = await client.register(
    await signRegistration({
      agentId,
      wallet,
      chainId,
      level: Level.L1,
      region: 'bench',
      maxInFlight,
      agentVersion: 'bench',
    }),
    { headers },
  )
  parentPort?.postMessage('registered')
  try {
    for await (const { tasks } of client.streamTasks({ session }, { headers, signal: stop.signal })) {
      const results = tasks.map((task) => {
        const answer = pool[Number(task.witness?.block?.number ?? 0)] as TaskResult
        return create(TaskResultSchema, { ...answer, taskId: task.taskId })
      })
      void client.submitResults({ results }, { headers }).catch(() => {})
    }
  } catch {
    // stopped
  }
}

await Promise.all(Array.from({ length: agents }, (_, i) => run(i)))
