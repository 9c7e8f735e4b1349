import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { createServer, type Http2Server } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { Code, ConnectError, createClient } from '@connectrpc/connect'
import { createGrpcTransport } from '@connectrpc/connect-node'
import { privateKeyToAccount } from 'viem/accounts'
import { createDispatcher } from '../src/coordinator/dispatch/index.ts'
import { deriveApiKey } from '../src/coordinator/identity/index.ts'
import { buildSwarmRpc } from '../src/coordinator/rpc/index.ts'
import { createAccuracy } from '../src/coordinator/scoring/index.ts'
import { openStore } from '../src/coordinator/store/index.ts'
import { createTaskHub } from '../src/coordinator/work/index.ts'
import { Level, SwarmService } from '../src/gen/apiary/v1/swarm_pb.js'
import { createLogger } from '../src/internal/logger.ts'
import { signRegistration } from '../src/protocol/index.ts'

const SECRET = 'a master secret of more than 16 bytes'
const CHAIN_ID = 31337n
const wallet = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')

async function startCoordinator(path: string) {
  const store = await openStore({ path })
  const logger = createLogger({ level: 'silent' })
  const hub = await createTaskHub({
    store,
    dispatcher: createDispatcher(),
    accuracy: createAccuracy(),
    logger,
  })
  const server: Http2Server = createServer(
    buildSwarmRpc({
      store,
      hub,
      logger,
      masterSecret: SECRET,
      chainId: CHAIN_ID,
      revoked: new Set(['agent-revoked']),
    }),
  )
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready))
  const port = (server.address() as AddressInfo).port
  const client = createClient(SwarmService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }))
  return {
    client,
    store,
    async stop() {
      await new Promise<void>((done) => server.close(() => done()))
      await store.close()
    },
  }
}

function registration(agentId: string, signedAt = BigInt(Math.floor(Date.now() / 1000))) {
  return signRegistration({
    agentId,
    wallet,
    chainId: CHAIN_ID,
    level: Level.L3,
    region: 'eu-west',
    maxInFlight: 32,
    agentVersion: 'apiary/test',
    signedAt,
  })
}

const headers = (agentId: string, key = deriveApiKey(SECRET, agentId)) => ({
  'x-apiary-agent-id': agentId,
  authorization: `Bearer ${key}`,
})

async function code(call: Promise<unknown>): Promise<Code | undefined> {
  try {
    await call
    return undefined
  } catch (error) {
    return ConnectError.from(error).code
  }
}

test('Register over gRPC binds the wallet, persists the agent in SQLite and survives a coordinator restart', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'apiary-coordinator-')), 'coordinator.db')
  let coordinator = await startCoordinator(path)
  const first = await coordinator.client.register(await registration('agent-7'), {
    headers: headers('agent-7'),
  })
  assert.equal(first.agentId, 'agent-7')
  assert.equal(first.chainId, CHAIN_ID)
  assert.equal(first.session, 1n)
  const beat = await coordinator.client.heartbeat(
    { session: 1n, inFlight: 0 },
    { headers: headers('agent-7') },
  )
  assert.equal(beat.reregister, false)
  await coordinator.stop()

  coordinator = await startCoordinator(path)
  const stored = await coordinator.store.db
    .selectFrom('agents')
    .selectAll()
    .where('id', '=', 'agent-7')
    .executeTakeFirstOrThrow()
  assert.equal(stored.payout_wallet, wallet.address.toLowerCase())
  assert.equal(stored.level, Level.L3)
  const again = await coordinator.client.register(await registration('agent-7'), {
    headers: headers('agent-7'),
  })
  assert.equal(again.session, 2n)
  const stale = await coordinator.client.heartbeat(
    { session: 1n, inFlight: 0 },
    { headers: headers('agent-7') },
  )
  assert.equal(stale.reregister, true)
  await coordinator.stop()
})

test('the coordinator refuses calls without the right key, revoked agents, and bindings signed for someone else', async () => {
  const coordinator = await startCoordinator(
    join(mkdtempSync(join(tmpdir(), 'apiary-coordinator-')), 'coordinator.db'),
  )
  try {
    const request = await registration('agent-7')
    assert.equal(
      await code(
        coordinator.client.register(request, {
          headers: headers('agent-7', deriveApiKey(SECRET, 'agent-8')),
        }),
      ),
      Code.Unauthenticated,
    )
    assert.equal(await code(coordinator.client.register(request, {})), Code.Unauthenticated)
    assert.equal(
      await code(
        coordinator.client.register(await registration('agent-revoked'), {
          headers: headers('agent-revoked'),
        }),
      ),
      Code.PermissionDenied,
    )
    // a binding signed for agent-7 cannot register agent-8, even with agent-8's own key
    assert.equal(
      await code(coordinator.client.register(request, { headers: headers('agent-8') })),
      Code.PermissionDenied,
    )
    assert.equal(
      await code(
        coordinator.client.register(await registration('agent-7', 1000n), { headers: headers('agent-7') }),
      ),
      Code.PermissionDenied,
    )
    assert.equal(
      await code(
        coordinator.client.register({ ...request, maxInFlight: 0 }, { headers: headers('agent-7') }),
      ),
      Code.InvalidArgument,
    )
    assert.equal(
      await code(
        coordinator.client.register(
          { ...request, payoutWallet: new Uint8Array(19) },
          { headers: headers('agent-7') },
        ),
      ),
      Code.InvalidArgument,
    )
    assert.equal(
      await code(
        coordinator.client.heartbeat(
          { session: 1n },
          { headers: headers('agent-7', `apiary_${'0'.repeat(64)}`) },
        ),
      ),
      Code.Unauthenticated,
    )
  } finally {
    await coordinator.stop()
  }
})
