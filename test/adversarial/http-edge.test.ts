import assert from 'node:assert/strict'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { connect as connectTcp } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { privateKeyToAccount } from 'viem/accounts'
import { createDispatcher } from '../../src/coordinator/dispatch/index.ts'
import { createEpochClock, createSealer } from '../../src/coordinator/epochs/index.ts'
import { buildHttpApi, type HttpApiDependencies } from '../../src/coordinator/http/buildHttpApi.ts'
import { createLeaderView } from '../../src/coordinator/replica/index.ts'
import { createAccuracy } from '../../src/coordinator/scoring/index.ts'
import { openStore, type Store } from '../../src/coordinator/store/index.ts'
import { createTaskHub } from '../../src/coordinator/work/index.ts'
import {
  DEFAULT_PAYOUT_PARAMETERS,
  DEFAULT_WEIGHT_PARAMETERS,
  verifyBundleCar,
} from '../../src/epoch/index.ts'
import { createLogger } from '../../src/internal/logger.ts'
import { prepareSealableStore } from '../_harness/epochStore.ts'
import { openapiChecker } from '../_harness/openapi.ts'
import { storeSql } from '../_harness/storeSql.ts'

const SEALING_KEY = `0x${'5e'.repeat(32)}` as const
const signer = privateKeyToAccount(SEALING_KEY)
const logger = createLogger({ level: 'silent' })
const ATTACKER = `0x${'e'.repeat(40)}`

/** A coordinator's HTTP API over a datadir with epoch 1 sealed in DATADIR/epochs (no chain). */
async function sealedApi(limits?: HttpApiDependencies['limits']) {
  const datadir = mkdtempSync(join(tmpdir(), 'apiary-adv-http-'))
  await prepareSealableStore(datadir, 40)
  const store = await openStore({ path: join(datadir, 'coordinator.db') })
  const dir = join(datadir, 'epochs')
  const sealer = await createSealer({
    store,
    logger,
    dir,
    signer,
    chainId: 31337,
    weights: DEFAULT_WEIGHT_PARAMETERS,
    payouts: DEFAULT_PAYOUT_PARAMETERS,
  })
  await sealer.tick()
  assert.equal(sealer.status().sealed, 1)
  const served = await serveApi(store, dir, limits)
  return { datadir, bundle: join(dir, 'epoch-000001'), store, ...served }
}

/** The HTTP API of a coordinator over `store`, its bundles in `dir` (a new process: nothing cached). */
async function serveApi(store: Store, dir: string, limits?: HttpApiDependencies['limits']) {
  const hub = await createTaskHub({
    store,
    dispatcher: createDispatcher(),
    accuracy: createAccuracy(),
    logger,
  })
  const clock = await createEpochClock({
    store,
    logger,
    params: { ...DEFAULT_WEIGHT_PARAMETERS, rewardWei: 10n ** 18n, delegateCutBps: 1000 },
    followed: () => undefined,
  })
  const live = createLeaderView({
    chainId: 31337n,
    hub,
    accuracy: createAccuracy(),
    epoch: () => clock.current(),
  })
  const app = buildHttpApi({
    store,
    live: () => live,
    chainId: 31337n,
    masterSecret: 'the adversarial master secret!!!',
    revoked: new Set(),
    readiness: () => ({ ready: true, reasons: [] }),
    startedAt: Date.now(),
    logger,
    limits,
    epochs: { dir, chainId: 31337, signer: signer.address.toLowerCase(), rpcUrl: undefined },
  })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  const get = async (path: string) => {
    const response = await fetch(`${url}${path}`)
    const text = await response.text()
    return { status: response.status, text, body: text.startsWith('{') ? JSON.parse(text) : text }
  }
  return { app, url, get }
}

/** Another replica's HTTP API over the same store, whose datadir holds no bundle. */
const freshApi = (api: { store: Store; datadir: string }) =>
  serveApi(api.store, join(mkdtempSync(join(tmpdir(), 'apiary-adv-replica-')), 'epochs'))

test('a replica that did not seal an epoch serves it from the store, and never serves forged stored bytes: not as files, not as a CAR', async () => {
  const api = await sealedApi()
  try {
    // This replica has no copy of the bundle on disk: what it serves comes from the store.
    const cid = (await api.get('/v1/epochs/1')).body.seal.cid as string
    const fresh = await freshApi(api)
    try {
      assert.equal((await fresh.get('/v1/epochs/1')).body.state, 'sealed')
      const car = await fetch(`${fresh.url}/v1/epochs/1/car`)
      assert.equal(car.status, 200)
      assert.equal(car.headers.get('x-ipfs-roots'), cid)
      const report = await verifyBundleCar(new Uint8Array(await car.arrayBuffer()), { expectedCid: cid })
      assert.equal(report.valid, true)
    } finally {
      await fresh.app.close()
    }
    // Someone with write access to the database swaps in their address, keeping the file well-formed.
    const q = storeSql(api.store)
    const { bytes } = (await q.get<{ bytes: Buffer }>(
      "SELECT bytes FROM bundle_files WHERE epoch = 1 AND name = 'agents.json'",
    )) as { bytes: Buffer }
    const forged = Buffer.from(bytes.toString('utf8').replace(/0x[0-9a-f]{40}/, ATTACKER))
    await q.run("UPDATE bundle_files SET bytes = ? WHERE epoch = 1 AND name = 'agents.json'", forged)
    const forgedApi = await freshApi(api)
    try {
      assert.equal((await forgedApi.get('/v1/epochs/1')).body.state, 'damaged')
      for (const path of ['/v1/epochs/1/agents', '/v1/epochs/1/car']) {
        const r = await forgedApi.get(path)
        assert.equal(r.status, 503, path)
        assert.ok(!r.text.includes(ATTACKER), `${path} never serves the forged bytes`)
      }
    } finally {
      await forgedApi.app.close()
    }
  } finally {
    await api.app.close()
    await api.store.close()
  }
})

test('/openapi.json is generated from the route declarations: every operation has an id, its security and a success schema with required fields; real answers, refusals included, match it', async () => {
  const api = await sealedApi()
  try {
    const document = (await api.get('/openapi.json')).body
    assert.equal(document.openapi, '3.1.0')
    const ids = new Set<string>()
    for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, never>>))
      for (const [method, op] of Object.entries(item) as [string, Record<string, never>][]) {
        const where = `${method} ${path}`
        assert.ok(
          typeof op.operationId === 'string' && !ids.has(op.operationId),
          `${where} has its own operationId`,
        )
        ids.add(op.operationId)
        assert.ok(Array.isArray(op.security), `${where} declares its security`)
        const responses = op.responses as unknown as Record<
          string,
          { content?: Record<string, { schema: unknown }> }
        >
        for (const status of ['429', '500']) assert.ok(responses[status], `${where} documents ${status}`)
        const ok = responses['200']?.content?.['application/json']?.schema as
          | { required?: string[]; $ref?: string; anyOf?: unknown[]; properties?: object }
          | undefined
        if (ok === undefined) continue // text or binary answers (metrics, CAR)
        if (path === '/openapi.json') continue
        const resolved = (schema: typeof ok) =>
          schema.$ref === undefined
            ? schema
            : (document.components.schemas[schema.$ref.split('/').at(-1) as string] as typeof ok)
        const shapes = (ok.anyOf ?? [ok]) as (typeof ok)[]
        for (const shape of shapes)
          assert.ok((resolved(shape).required?.length ?? 0) > 0, `${where}: its 200 requires fields`)
      }
    assert.ok(ids.size >= 20, `${ids.size} operations (without rewards, challenges and a chain)`)

    const openapi = openapiChecker(document)
    // The checker fails answers the document does not allow.
    assert.throws(() => openapi.check('GET', '/swarm/status', 200, { chainId: 1 }), /required|type/)
    const jobs = await api.get('/v1/epochs/1/jobs?limit=2')
    const jobId = jobs.body.jobs[0].id as string
    const receipt = await api.get(`/v1/jobs/${jobId}/receipt`)
    const verified = await fetch(`${api.url}/v1/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(receipt.body),
    })
    openapi.check('POST', '/v1/verify', 200, await verified.json())
    const tampered = await fetch(`${api.url}/v1/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...receipt.body, epoch: 'one' }),
    })
    const report = (await tampered.json()) as { valid: boolean }
    openapi.check('POST', '/v1/verify', 200, report)
    assert.equal(report.valid, false)
    const requests: [string, string, number][] = [
      ['/healthz', '/healthz', 200],
      ['/readyz', '/readyz', 200],
      ['/swarm/status', '/swarm/status', 200],
      ['/swarm/agents', '/swarm/agents', 200],
      ['/swarm/agents/nobody', '/swarm/agents/{id}', 404],
      ['/swarm/shadow', '/swarm/shadow', 200],
      ['/swarm/leaderboard', '/swarm/leaderboard', 200],
      ['/swarm/tasks/nothing', '/swarm/tasks/{id}', 404],
      ['/v1/epochs', '/v1/epochs', 200],
      ['/v1/epochs?limit=0', '/v1/epochs', 400],
      ['/v1/epochs?limit=abc', '/v1/epochs', 400],
      ['/v1/epochs/current', '/v1/epochs/current', 200],
      ['/v1/epochs/1', '/v1/epochs/{id}', 200],
      ['/v1/epochs/epoch-000002', '/v1/epochs/{id}', 200],
      ['/v1/epochs/999', '/v1/epochs/{id}', 404],
      ['/v1/epochs/x', '/v1/epochs/{id}', 400],
      ['/v1/epochs/1/jobs?limit=2', '/v1/epochs/{id}/jobs', 200],
      [`/v1/epochs/1/jobs?agent=${ATTACKER}`, '/v1/epochs/{id}/jobs', 200],
      ['/v1/epochs/1/jobs?agent=bob', '/v1/epochs/{id}/jobs', 400],
      ['/v1/epochs/2/jobs', '/v1/epochs/{id}/jobs', 409],
      ['/v1/epochs/1/agents', '/v1/epochs/{id}/agents', 200],
      ['/v1/epochs/1/signature', '/v1/epochs/{id}/signature', 200],
      ['/v1/epochs/1/ipfs', '/v1/epochs/{id}/ipfs', 200],
      ['/v1/epochs/9/car', '/v1/epochs/{id}/car', 404],
      [`/v1/jobs/${jobId}/receipt`, '/v1/jobs/{jobId}/receipt', 200],
      ['/v1/jobs/1-2/receipt', '/v1/jobs/{jobId}/receipt', 400],
      ['/v1/jobs/000001-99999999/receipt', '/v1/jobs/{jobId}/receipt', 404],
    ]
    for (const [url, path, status] of requests) {
      const r = await api.get(url)
      assert.equal(r.status, status, `${url}: ${r.text.slice(0, 300)}`)
      openapi.check('GET', path, status, r.body)
    }
  } finally {
    await api.app.close()
    await api.store.close()
  }
})

test('an edited jobs.json or agents.json is never served as anchored or sealed, nor turned into receipts; a missing SIGNATURE.txt is reported as damage without a path', async () => {
  const api = await sealedApi()
  try {
    const jobId = (await api.get('/v1/epochs/1/jobs?limit=1')).body.jobs[0].id as string
    assert.equal((await api.get('/v1/epochs/1')).body.state, 'sealed')
    assert.equal((await api.get(`/v1/jobs/${jobId}/receipt`)).status, 200)

    for (const name of ['jobs.json', 'agents.json']) {
      const path = join(api.bundle, name)
      const original = readFileSync(path, 'utf8')
      // The attacker swaps in their address, keeping the file well-formed.
      const forged = original.replace(/0x[0-9a-f]{40}/, ATTACKER)
      assert.notEqual(forged, original)
      writeFileSync(path, forged)
      const epoch = (await api.get('/v1/epochs/1')).body
      assert.equal(epoch.state, 'damaged', name)
      assert.match(epoch.damage, new RegExp(`${name.replace('.', '\\.')} is not the file that was sealed`))
      assert.equal(epoch.summary, null)
      const listed = (await api.get('/v1/epochs')).body.epochs.find((e: { epoch: number }) => e.epoch === 1)
      assert.equal(listed.state, 'damaged')
      for (const path of ['/v1/epochs/1/jobs', '/v1/epochs/1/agents', `/v1/jobs/${jobId}/receipt`]) {
        const r = await api.get(path)
        assert.equal(r.status, 503, path)
        assert.equal(r.body.code, 'EPOCH_DAMAGED')
        assert.ok(!r.text.includes(ATTACKER), `${path} never serves the forged bytes`)
      }
      writeFileSync(path, original)
      assert.equal((await api.get('/v1/epochs/1')).body.state, 'sealed', 'the restored file is served again')
    }

    const signature = join(api.bundle, 'SIGNATURE.txt')
    renameSync(signature, `${signature}.gone`)
    const r = await api.get('/v1/epochs/1/signature')
    assert.equal(r.status, 503)
    assert.equal(r.body.message, 'epoch 1 is damaged: SIGNATURE.txt is missing')
    assert.ok(!r.text.includes(api.datadir), 'no file path in the answer')
  } finally {
    await api.app.close()
    await api.store.close()
  }
})

test('repeated query parameters get 400, internal failures get 500 without internals, unknown routes 404', async () => {
  const api = await sealedApi()
  try {
    const repeated = await api.get(`/v1/epochs/1/jobs?agent=${ATTACKER}&agent=${ATTACKER}`)
    assert.equal(repeated.status, 400)
    assert.deepEqual(repeated.body, {
      code: 'BAD_REQUEST',
      message: 'the query parameter agent is given more than once',
    })
    await api.store.close() // every query now throws inside the route
    const broken = await api.get('/swarm/agents')
    assert.equal(broken.status, 500)
    assert.equal(broken.body.code, 'INTERNAL')
    assert.equal(broken.body.message, 'internal error')
    assert.ok(typeof broken.body.requestId === 'string')
    assert.ok(!/sqlite|kysely|\/tmp|driver|at /i.test(broken.text), broken.text)
    assert.equal((await api.get('/nope')).body.code, 'NOT_FOUND')
  } finally {
    await api.app.close()
  }
})

test('POST /v1/verify and the whole API are rate-limited per client: a client past its limit gets 429', async () => {
  const api = await sealedApi({ verifyPerMinute: 5, perMinute: 40 })
  try {
    const jobId = (await api.get('/v1/epochs/1/jobs?limit=1')).body.jobs[0].id as string
    const receipt = (await api.get(`/v1/jobs/${jobId}/receipt`)).body
    const verify = () =>
      fetch(`${api.url}/v1/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(receipt),
      })
    const statuses = []
    for (let i = 0; i < 7; i++) statuses.push((await verify()).status)
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429])
    const limited = (await (await verify()).json()) as { code: string }
    assert.equal(limited.code, 'RATE_LIMITED')
    let last = 200
    for (let i = 0; i < 40 && last !== 429; i++) last = (await fetch(`${api.url}/healthz`)).status
    assert.equal(last, 429, 'the global limit holds too')
  } finally {
    await api.app.close()
    await api.store.close()
  }
})

test('a silent HTTP socket is closed after the idle timeout; a slow request after the headers timeout', async () => {
  const api = await sealedApi({ idleTimeoutMs: 500, headersTimeoutMs: 500, requestTimeoutMs: 500 })
  try {
    const port = Number(new URL(api.url).port)
    const silent = connectTcp(port, '127.0.0.1')
    await once(silent, 'connect')
    silent.resume()
    const started = Date.now()
    await once(silent, 'close')
    assert.ok(Date.now() - started < 3000, 'closed within a few seconds')

    const slow = connectTcp(port, '127.0.0.1')
    await once(slow, 'connect')
    slow.resume()
    slow.write('GET /healthz HTTP/1.1\r\nHost: x\r\n') // and never the end of the headers
    const slowStarted = Date.now()
    await once(slow, 'close')
    assert.ok(Date.now() - slowStarted < 3000)
  } finally {
    await api.app.close()
    await api.store.close()
  }
})
