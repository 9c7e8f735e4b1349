import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { privateKeyToAccount } from 'viem/accounts'
import { createSealer, pinCar } from '../src/coordinator/epochs/index.ts'
import { openStore, type Store } from '../src/coordinator/store/index.ts'
import { DEFAULT_PAYOUT_PARAMETERS, DEFAULT_WEIGHT_PARAMETERS } from '../src/epoch/index.ts'
import { type ApiaryError, isApiaryError } from '../src/internal/errors.ts'
import { createLogger } from '../src/internal/logger.ts'
import { prepareSealableStore } from './_harness/epochStore.ts'
import { startKuboRpc } from './_harness/kuboRpc.ts'
import { storeSql } from './_harness/storeSql.ts'
import { freePort } from './_harness/swarm.ts'

/** The coordinator's sealer over DATADIR's store, pinning to `ipfsApi` (a failed pin retried at once). */
const sealerOf = (store: Store, datadir: string, ipfsApi?: string) =>
  createSealer({
    store,
    logger: createLogger({ level: 'silent' }),
    dir: join(datadir, 'epochs'),
    signer: privateKeyToAccount(`0x${'5e'.repeat(32)}`),
    chainId: 31337,
    weights: DEFAULT_WEIGHT_PARAMETERS,
    payouts: DEFAULT_PAYOUT_PARAMETERS,
    ipfsApi,
    pinRetryMs: 0,
  })

test('--ipfs-api: a sealed epoch is imported and pinned through the Kubo RPC, after the node comes back if it was down', async () => {
  const datadir = mkdtempSync(join(tmpdir(), 'apiary-pin-'))
  await prepareSealableStore(datadir, 300)
  const store = await openStore({ path: join(datadir, 'coordinator.db') })
  const down = `http://127.0.0.1:${await freePort()}`
  const sealer = (ipfsApi: string) => sealerOf(store, datadir, ipfsApi)
  const pinnedAt = async () =>
    await storeSql(store).get<{ cid: string; pinned_at: number | null }>('SELECT cid, pinned_at FROM seals')
  // The node is down: the epoch is sealed all the same, the pin waits.
  const offline = await sealer(down)
  await offline.tick()
  assert.equal(offline.status().sealed, 1)
  assert.equal((await pinnedAt())?.pinned_at, null)
  assert.match(offline.status().pinError ?? '', /cannot reach the IPFS node/)

  const kubo = await startKuboRpc()
  try {
    const online = await sealer(kubo.url)
    kubo.failNext({ status: 500 })
    await online.tick()
    assert.equal((await pinnedAt())?.pinned_at, null, 'a refused import is not recorded as pinned')
    assert.match(online.status().pinError ?? '', /refused the CAR \(500\)/)
    await online.tick()
    const seal = await pinnedAt()
    assert.ok(seal?.pinned_at != null)
    assert.equal(online.status().pinError, undefined)
    assert.ok(kubo.pins.has(seal.cid))
    // What the node serves under the CID is the bundle, byte for byte.
    for (const name of ['SUMMARY.json', 'jobs.json', 'agents.json', 'SIGNATURE.txt']) {
      const served = await fetch(`${kubo.url}/api/v0/cat?arg=${seal.cid}/${name}`, { method: 'POST' })
      assert.equal(served.status, 200)
      assert.deepEqual(
        Buffer.from(await served.arrayBuffer()),
        readFileSync(join(datadir, 'epochs', 'epoch-000001', name)),
        name,
      )
    }
    const pinned = await fetch(`${kubo.url}/api/v0/pin/ls?arg=${seal.cid}`, { method: 'POST' })
    assert.deepEqual(await pinned.json(), { Keys: { [seal.cid]: { Type: 'recursive' } } })
  } finally {
    store.close()
    await kubo.close()
  }
})

test('pinCar names what went wrong: unreachable, refused (retryable or not), another root, a pin error, garbage', async () => {
  const datadir = mkdtempSync(join(tmpdir(), 'apiary-pin-'))
  await prepareSealableStore(datadir, 20)
  const store = await openStore({ path: join(datadir, 'coordinator.db') })
  await (await sealerOf(store, datadir)).tick()
  const { cid } = (await storeSql(store).get<{ cid: string }>('SELECT cid FROM seals')) as { cid: string }
  store.close()
  const car = readFileSync(join(datadir, 'epochs', 'epoch-000001.car'))
  const kubo = await startKuboRpc()
  const failure = async (api: string) => {
    const error = await pinCar(api, car, cid).then(
      () => undefined,
      (e: unknown) => e,
    )
    assert.ok(isApiaryError(error), String(error))
    return { code: (error as ApiaryError).code, retryable: (error as ApiaryError).retryable }
  }
  try {
    assert.deepEqual(await failure(`http://127.0.0.1:${await freePort()}`), {
      code: 'APIARY_IPFS_UNREACHABLE',
      retryable: true,
    })
    kubo.failNext({ status: 500 })
    assert.deepEqual(await failure(kubo.url), { code: 'APIARY_IPFS_IMPORT_FAILED', retryable: true })
    kubo.failNext({ status: 400 })
    assert.deepEqual(await failure(kubo.url), { code: 'APIARY_IPFS_IMPORT_FAILED', retryable: false })
    const other = 'bafybeih7e5dmkyk25up5vxug4q3hrg2fxbzf23dfrac2fns5h7z4aa7ioi'
    kubo.failNext({ body: `${JSON.stringify({ Root: { Cid: { '/': other }, PinErrorMsg: '' } })}\n` })
    assert.deepEqual(await failure(kubo.url), { code: 'APIARY_IPFS_NOT_PINNED', retryable: true })
    kubo.failNext({
      body: `${JSON.stringify({ Root: { Cid: { '/': cid }, PinErrorMsg: 'out of disk' } })}\n`,
    })
    assert.deepEqual(await failure(kubo.url), { code: 'APIARY_IPFS_NOT_PINNED', retryable: true })
    kubo.failNext({ body: '<html>proxy error</html>\n' })
    assert.deepEqual(await failure(kubo.url), { code: 'APIARY_IPFS_NOT_PINNED', retryable: true })
    await pinCar(kubo.url, car, cid)
    assert.ok(kubo.pins.has(cid))
  } finally {
    await kubo.close()
  }
})
