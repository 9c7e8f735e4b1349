import assert from 'node:assert/strict'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { test } from 'node:test'
import { create, toBinary } from '@bufbuild/protobuf'
import { Code, ConnectError, createClient } from '@connectrpc/connect'
import { createGrpcTransport } from '@connectrpc/connect-node'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { privateKeyToAccount } from 'viem/accounts'
import { createDispatcher } from '../../src/coordinator/dispatch/index.ts'
import { deriveApiKey } from '../../src/coordinator/identity/index.ts'
import { createGrpcServer } from '../../src/coordinator/rpc/index.ts'
import { createAccuracy } from '../../src/coordinator/scoring/index.ts'
import { openStore } from '../../src/coordinator/store/index.ts'
import { createTaskHub } from '../../src/coordinator/work/index.ts'
import {
  AccountChangeSchema,
  ExecutionStatus,
  Level,
  LogSchema,
  SwarmService,
  type TaskResult,
  TaskResultSchema,
  WitnessSchema,
} from '../../src/gen/apiary/v1/swarm_pb.js'
import { createLogger } from '../../src/internal/logger.ts'
import { signRegistration, witnessToMessage } from '../../src/protocol/index.ts'
import { parseWitness, toHex } from '../../src/validation/index.ts'
import { FIXTURES } from '../_harness/fixtures.ts'
import { storeSql } from '../_harness/storeSql.ts'

const SECRET = 'the adversarial master secret!!!'
const wallet = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
const witness = parseWitness(
  JSON.parse(readFileSync(join(FIXTURES, 'prestate/go-ethereum/call_tracer/create.json'), 'utf8')),
)
const message = witnessToMessage(witness, { full: true })

/** What a bloating agent adds to an otherwise well-formed L3 answer, and why the coordinator refuses it. */
const BLOATS: [string, (r: TaskResult) => TaskResult, RegExp][] = [
  [
    '20,000 logs',
    (r) => ({
      ...r,
      logs: Array.from({ length: 20_000 }, () => create(LogSchema, { address: new Uint8Array(20) })),
    }),
    /logs cost more gas/,
  ],
  ['1 MB of return data', (r) => ({ ...r, returnData: new Uint8Array(1_000_000) }), /return data/],
  [
    '5,000 state changes',
    (r) => ({
      ...r,
      stateChanges: Array.from({ length: 5000 }, (_, i) =>
        create(AccountChangeSchema, { address: new Uint8Array(20).fill(i % 256, 0, 2).fill(i >> 8, 2, 3) }),
      ),
    }),
    /more state changes/,
  ],
  ['gas used above the block gas limit', (r) => ({ ...r, gasUsed: 1n << 62n }), /block gas limit/],
  [
    'a 33-byte topic',
    (r) => ({
      ...r,
      logs: [create(LogSchema, { address: new Uint8Array(20), topics: [new Uint8Array(33)] })],
    }),
    /topic/,
  ],
]

test('an authenticated agent cannot store results larger than its task could produce: each bloat is MALFORMED with its reason, a plausible answer is stored', {
  timeout: 60_000,
}, async () => {
  const store = await openStore({ path: ':memory:' })
  const logger = createLogger({ level: 'silent' })
  const hub = await createTaskHub({
    store,
    dispatcher: createDispatcher(),
    accuracy: createAccuracy(),
    logger,
  })
  const hash = toHex(keccak_256(witness.transaction))
  for (let i = 0; i <= BLOATS.length; i++)
    await storeSql(store).run(
      "INSERT INTO inclusions (key, source, block_number, block_hash, tx_index, tx_hash, witness, state, created_at) VALUES (?, 'chain', 1, ?, ?, ?, ?, 'pending', ?)",
      `inc-${i}`,
      `0x${'1'.repeat(64)}`,
      i,
      hash,
      toBinary(WitnessSchema, message),
      Date.now(),
    )
  const grpc = createGrpcServer({ logger, masterSecret: SECRET, rpc: { store, hub, chainId: 31337n } })
  grpc.server.listen(0, '127.0.0.1')
  await once(grpc.server, 'listening')
  const client = createClient(
    SwarmService,
    createGrpcTransport({ baseUrl: `http://127.0.0.1:${(grpc.server.address() as AddressInfo).port}` }),
  )
  const stop = new AbortController()
  try {
    const agentId = 'bloater'
    const headers = { 'x-apiary-agent-id': agentId, authorization: `Bearer ${deriveApiKey(SECRET, agentId)}` }
    const base = {
      agentId,
      wallet,
      chainId: 31337n,
      level: Level.L3,
      region: 'test',
      agentVersion: 'apiary/test',
      signedAt: BigInt(Math.floor(Date.now() / 1000)),
    }
    const refusedInFlight = await client
      .register(await signRegistration({ ...base, maxInFlight: 4096 }), { headers })
      .then(
        () => undefined,
        (e) => ConnectError.from(e).code,
      )
    assert.equal(refusedInFlight, Code.InvalidArgument, 'max_in_flight is capped')
    const { session } = await client.register(await signRegistration({ ...base, maxInFlight: 64 }), {
      headers,
    })
    // One task per bloat and one for the plausible answer: the same transaction in as many inclusions.
    for (let i = 0; i <= BLOATS.length; i++) hub.enqueue(`inc-${i}`, { levels: [Level.L3], pending: true })
    const tasks: string[] = []
    const stream = client.streamTasks({ session }, { headers, signal: stop.signal })[Symbol.asyncIterator]()
    while (tasks.length <= BLOATS.length) {
      const next = await stream.next()
      for (const task of next.value?.tasks ?? []) tasks.push(task.taskId)
    }
    const plausible = (taskId: string) =>
      create(TaskResultSchema, {
        taskId,
        valid: true,
        txHash: keccak_256(witness.transaction),
        sender: new Uint8Array(20),
        status: ExecutionStatus.SUCCESS,
        gasUsed: 100_000n,
        logs: [create(LogSchema, { address: new Uint8Array(20), topics: [new Uint8Array(32)] })],
        returnData: new Uint8Array(64),
      })
    const results = BLOATS.map(([, bloat], i) =>
      create(TaskResultSchema, bloat(plausible(tasks[i] as string))),
    )
    const { acks } = await client.submitResults(
      { results: [...results, plausible(tasks[BLOATS.length] as string)] },
      { headers },
    )
    BLOATS.forEach(([what, , reason], i) => {
      const ack = acks[i]
      assert.equal(ack?.accepted, false, what)
      assert.equal(ack?.rejectCode, 'MALFORMED', what)
      assert.match(ack?.rejectDetail ?? '', reason, what)
    })
    assert.equal(acks[BLOATS.length]?.accepted, true, acks[BLOATS.length]?.rejectDetail)
    const stored = await storeSql(store).get<{ n: number; bytes: number }>(
      'SELECT COUNT(*) AS n, MAX(LENGTH(result)) AS bytes FROM results',
    )
    assert.equal(stored?.n, 1, 'only the plausible answer is stored')
    assert.ok((stored?.bytes ?? 0) < 1024)
  } finally {
    stop.abort()
    await grpc.close(100)
    await store.close()
  }
})
