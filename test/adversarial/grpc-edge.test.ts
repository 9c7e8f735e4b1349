import assert from 'node:assert/strict'
import { once } from 'node:events'
import { mkdtempSync } from 'node:fs'
import { connect as connectHttp2 } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { connect as connectTcp, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { gzipSync } from 'node:zlib'
import { Code } from '@connectrpc/connect'
import { createDispatcher } from '../../src/coordinator/dispatch/index.ts'
import { deriveApiKey } from '../../src/coordinator/identity/index.ts'
import { createGrpcRelay } from '../../src/coordinator/replica/index.ts'
import { createGrpcServer } from '../../src/coordinator/rpc/index.ts'
import { createAccuracy } from '../../src/coordinator/scoring/index.ts'
import { openStore } from '../../src/coordinator/store/index.ts'
import { createTaskHub } from '../../src/coordinator/work/index.ts'
import { createLogger } from '../../src/internal/logger.ts'
import { startApiary, stopProcess } from '../_harness/cli.ts'
import { FIXTURES } from '../_harness/fixtures.ts'
import { grpcFrame, openSession, rawGrpcCall, rssOf } from '../_harness/rawGrpc.ts'

const SECRET = 'the adversarial master secret!!!'
const AGENT = 'honest-bee'
const goodHeaders = { 'x-apiary-agent-id': AGENT, authorization: `Bearer ${deriveApiKey(SECRET, AGENT)}` }
const badHeaders = { 'x-apiary-agent-id': AGENT, authorization: `Bearer apiary_${'0'.repeat(64)}` }
const MiB = 1024 * 1024

/** `inflatedBytes` of zeros as gzip: one compressed MiB repeated (gunzip reads concatenated members). */
function gzipOfZeros(inflatedBytes: number): Buffer {
  const member = gzipSync(Buffer.alloc(MiB), { level: 9 })
  return Buffer.concat(Array.from({ length: inflatedBytes / MiB }, () => member))
}

test('a real coordinator: gzip bombs, 100 MB bodies and oversized frames cost it a few MB and are refused with stable gRPC codes', {
  timeout: 120_000,
}, async () => {
  const datadir = mkdtempSync(join(tmpdir(), 'apiary-adv-grpc-'))
  const coordinator = await startApiary(
    [
      'coordinator',
      ...['--replay', join(FIXTURES, 'prestate'), '--master-secret', SECRET, '--datadir', datadir],
      ...['--grpc-port', '0', '--http-port', '0'],
    ],
    { ready: 'coordinator  grpc' },
  )
  try {
    const url = /grpc (http:\/\/\S+)/.exec(coordinator.output())?.[1]
    assert.ok(url !== undefined, coordinator.output())
    const pid = coordinator.pid as number
    const bomb = gzipOfZeros(512 * MiB)
    assert.ok(bomb.length < 1 * MiB, `the bomb is ${bomb.length} bytes compressed, 512 MiB inflated`)
    const bombFrame = grpcFrame(bomb, { compressed: true })
    const session = await openSession(url)
    // Warm up the server's code paths so that the RSS baseline is not the first-call allocations.
    await rawGrpcCall(session, 'Heartbeat', goodHeaders, grpcFrame(Buffer.alloc(0)))
    await new Promise((r) => setTimeout(r, 200))
    const before = rssOf(pid)

    // Four unauthenticated bombs at once: refused on their headers, never inflated.
    const bombs = await Promise.all(
      [0, 1, 2, 3].map(() =>
        rawGrpcCall(session, 'SubmitResults', { ...badHeaders, 'grpc-encoding': 'gzip' }, bombFrame),
      ),
    )
    for (const r of bombs) assert.equal(r.grpcStatus, Code.Unauthenticated, r.grpcMessage)
    // The same bomb with a valid key: compression is not accepted at all.
    const authedBomb = await rawGrpcCall(
      session,
      'SubmitResults',
      { ...goodHeaders, 'grpc-encoding': 'gzip' },
      bombFrame,
    )
    assert.equal(authedBomb.grpcStatus, Code.Unimplemented, authedBomb.grpcMessage)
    // 100 MB of plain body with a wrong key: answered without reading it.
    const plain = await rawGrpcCall(session, 'SubmitResults', badHeaders, {
      chunk: Buffer.alloc(MiB),
      totalBytes: 100 * MiB,
    })
    assert.equal(plain.grpcStatus, Code.Unauthenticated)
    assert.ok(plain.ms < 3000, `refused in ${plain.ms.toFixed(0)} ms`)
    // A valid key and a frame that announces 100 MB: refused from its 5-byte prefix.
    const huge = await rawGrpcCall(session, 'SubmitResults', goodHeaders, {
      chunk: Buffer.concat([grpcFrame(Buffer.alloc(0), { length: 100 * MiB }), Buffer.alloc(MiB - 5)]),
      totalBytes: 100 * MiB,
    })
    assert.equal(huge.grpcStatus, Code.ResourceExhausted, huge.grpcMessage)
    // Bytes that are not protobuf: the caller's fault, not the server's.
    const garbage = await rawGrpcCall(
      session,
      'SubmitResults',
      goodHeaders,
      grpcFrame(Buffer.from('ffffffff', 'hex')),
    )
    assert.equal(garbage.grpcStatus, Code.InvalidArgument, garbage.grpcMessage)
    await new Promise((r) => setTimeout(r, 200))
    const grown = rssOf(pid) - before
    assert.ok(grown < 24 * MiB, `the coordinator's RSS grew by ${(grown / MiB).toFixed(1)} MiB`)
    session.close()
  } finally {
    await stopProcess(coordinator, 'SIGTERM')
  }
})

async function startServer(limits: Parameters<typeof createGrpcServer>[0]['limits']) {
  const store = await openStore({ path: ':memory:' })
  const logger = createLogger({ level: 'silent' })
  const hub = await createTaskHub({
    store,
    dispatcher: createDispatcher(),
    accuracy: createAccuracy(),
    logger,
  })
  const grpc = createGrpcServer({
    logger,
    masterSecret: SECRET,
    limits,
    rpc: { store, hub, chainId: 31337n },
  })
  grpc.server.listen(0, '127.0.0.1')
  await once(grpc.server, 'listening')
  const port = (grpc.server.address() as AddressInfo).port
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    server: grpc.server,
    async stop() {
      await grpc.close(100)
      await store.close()
    },
  }
}

/** Whether the server closes `socket` within `ms` (the socket is read, or its FIN would never be seen). */
const closedWithin = (socket: Socket, ms: number) =>
  new Promise<boolean>((resolve) => {
    socket.resume()
    const timer = setTimeout(() => resolve(false), ms)
    socket.once('close', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })

test('idle connections are closed: no HTTP/2 preface, a session that never authenticates, an idle session; an agent that keeps calling stays', {
  timeout: 30_000,
}, async () => {
  const server = await startServer({ handshakeTimeoutMs: 300, authTimeoutMs: 800, idleTimeoutMs: 1500 })
  try {
    // Raw TCP that never speaks HTTP/2.
    const silent = connectTcp(server.port, '127.0.0.1')
    await once(silent, 'connect')
    assert.equal(await closedWithin(silent, 2000), true, 'a connection without a preface is closed')

    // An HTTP/2 session that opens no stream.
    const idle = await openSession(server.url)
    const idleClosed = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 3000)
      idle.once('close', () => {
        clearTimeout(timer)
        resolve(true)
      })
    })
    assert.equal(await idleClosed, true, 'a session that never authenticates is closed')

    // An authenticated session that calls every 500 ms stays past every timeout, then goes idle and is closed.
    const agent = await openSession(server.url)
    let agentClosedAt: number | undefined
    agent.once('close', () => {
      agentClosedAt = Date.now()
    })
    const started = Date.now()
    while (Date.now() - started < 2500) {
      const r = await rawGrpcCall(agent, 'Heartbeat', goodHeaders, grpcFrame(Buffer.alloc(0)))
      assert.equal(r.grpcStatus, 0)
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
    assert.equal(agentClosedAt, undefined, 'the active agent was not disconnected')
    const stoppedAt = Date.now()
    while (agentClosedAt === undefined && Date.now() - stoppedAt < 4000)
      await new Promise((resolve) => setTimeout(resolve, 100))
    assert.ok(agentClosedAt !== undefined, 'an idle session is closed')
  } finally {
    await server.stop()
  }
})

test('one address cannot hold more than maxConnectionsPerIp connections nor more than maxStreamsPerConnection streams', {
  timeout: 30_000,
}, async () => {
  const server = await startServer({ maxConnectionsPerIp: 3, maxStreamsPerConnection: 4 })
  try {
    const sockets: Socket[] = []
    for (let i = 0; i < 3; i++) {
      const s = connectTcp(server.port, '127.0.0.1')
      await once(s, 'connect')
      sockets.push(s)
    }
    const fourth = connectTcp(server.port, '127.0.0.1')
    fourth.on('error', () => {})
    assert.equal(await closedWithin(fourth, 2000), true, 'the fourth connection is refused')
    for (const s of sockets) s.destroy()
    await new Promise((resolve) => setTimeout(resolve, 100))

    const session = connectHttp2(server.url)
    const [settings] = (await once(session, 'remoteSettings')) as [{ maxConcurrentStreams?: number }]
    assert.equal(settings.maxConcurrentStreams, 4)
    session.close()
  } finally {
    await server.stop()
  }
})

test('a failure inside a call answers INTERNAL "internal error" and names nothing of its cause', async () => {
  const store = await openStore({ path: ':memory:' })
  const logger = createLogger({ level: 'silent' })
  const hub = await createTaskHub({
    store,
    dispatcher: createDispatcher(),
    accuracy: createAccuracy(),
    logger,
  })
  const grpc = createGrpcServer({ logger, masterSecret: SECRET, rpc: { store, hub, chainId: 31337n } })
  grpc.server.listen(0, '127.0.0.1')
  await once(grpc.server, 'listening')
  const session = await openSession(`http://127.0.0.1:${(grpc.server.address() as AddressInfo).port}`)
  try {
    await store.close() // every query now throws inside the handler
    const r = await rawGrpcCall(session, 'Heartbeat', goodHeaders, grpcFrame(Buffer.alloc(0)))
    assert.equal(r.grpcStatus, Code.Internal)
    assert.equal(r.grpcMessage, 'internal error')
  } finally {
    session.close()
    await grpc.close(100)
  }
})

test('a standby relays only what it authenticated: a bad key is refused at its edge and never reaches the leader; a good one is answered by the leader; with no leader, UNAVAILABLE', async () => {
  const leader = await startServer(undefined)
  const leaderSessions: unknown[] = []
  const logger = createLogger({ level: 'silent' })
  let leaderUrl: string | undefined = leader.url
  const relay = createGrpcRelay({ leader: async () => leaderUrl, logger })
  const standby = createGrpcServer({ logger, masterSecret: SECRET, relay: relay.handle })
  standby.server.listen(0, '127.0.0.1')
  await once(standby.server, 'listening')
  const session = await openSession(`http://127.0.0.1:${(standby.server.address() as AddressInfo).port}`)
  try {
    // The leader's connections from now on: the relay opens one only for an authenticated call.
    leader.server.on('session', (s) => leaderSessions.push(s))
    const refused = await rawGrpcCall(session, 'Heartbeat', badHeaders, grpcFrame(Buffer.alloc(0)))
    assert.equal(refused.grpcStatus, Code.Unauthenticated)
    assert.equal(leaderSessions.length, 0, 'nothing of a refused call reaches the leader')
    const relayed = await rawGrpcCall(session, 'Heartbeat', goodHeaders, grpcFrame(Buffer.alloc(0)))
    assert.equal(relayed.grpcStatus, 0, relayed.grpcMessage)
    assert.equal(leaderSessions.length, 1, 'answered by the leader through one relay connection')
    leaderUrl = undefined
    const alone = await rawGrpcCall(session, 'Heartbeat', goodHeaders, grpcFrame(Buffer.alloc(0)))
    assert.equal(alone.grpcStatus, Code.Unavailable)
  } finally {
    session.close()
    relay.close()
    await standby.close(100)
    await leader.stop()
  }
})
