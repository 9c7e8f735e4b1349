import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { type Devnet, startDevnet } from '../../src/chain/index.ts'
import { startCoordinator } from '../../src/cli/startCoordinator.ts'
import { openStore } from '../../src/coordinator/store/index.ts'
import { runApiary } from '../_harness/cli.ts'
import { startRpcProxy } from '../_harness/rpcProxy.ts'
import { logger, SECRET, waitFor } from '../_harness/swarm.ts'

let devnet: Devnet
before(async () => {
  devnet = await startDevnet({ logger }, { port: 0, accounts: 2 })
})
after(async () => {
  await devnet.close()
})

/**
 * Makes DIR read-only for this process: a read-only bind mount when we are root (root writes through any
 * file mode), the file modes otherwise. Returns the undo.
 */
function makeReadOnly(dir: string): () => void {
  if (process.getuid?.() === 0) {
    execFileSync('mount', ['--bind', dir, dir])
    execFileSync('mount', ['-o', 'remount,bind,ro', dir])
    return () => execFileSync('umount', [dir])
  }
  chmodSync(join(dir, 'coordinator.db'), 0o444)
  chmodSync(dir, 0o555)
  return () => {
    chmodSync(dir, 0o755)
    chmodSync(join(dir, 'coordinator.db'), 0o644)
  }
}

test('a coordinator on a read-only datadir refuses to start: a clear error and exit 1, never "serving"', async () => {
  const datadir = mkdtempSync(join(tmpdir(), 'apiary-ro-'))
  await (await openStore({ path: join(datadir, 'coordinator.db') })).close()
  const undo = makeReadOnly(datadir)
  try {
    const run = await runApiary(
      [
        'coordinator',
        '--rpc',
        devnet.url,
        '--master-secret',
        SECRET,
        '--datadir',
        datadir,
        '--grpc-port',
        '0',
        '--http-port',
        '0',
      ],
      60_000,
    )
    assert.equal(run.code, 1, run.stderr)
    assert.match(run.stderr, new RegExp(`the datadir ${datadir} is not writable`))
    assert.doesNotMatch(run.stdout + run.stderr, /serving/)
  } finally {
    undo()
  }
})

test('/readyz says why it is not ready when the chain goes away, a chain route answers 503 without the node URL, and credentials in the RPC URL are sent as a header', {
  timeout: 60_000,
}, async () => {
  const proxy = await startRpcProxy(devnet.url, { basicAuth: 'alice:s3cr3t' })
  const rpcUrl = proxy.url.replace('http://', 'http://alice:s3cr3t@')
  const coordinator = await startCoordinator({
    logger,
    datadir: ':memory:',
    masterSecret: SECRET,
    rpcUrl,
    fork: 'prague',
    confirmations: 0,
    pollMs: 100,
    host: '127.0.0.1',
    grpcPort: 0,
    httpPort: 0,
    redundancy: 1,
    deadlineMs: 5000,
  })
  const api = coordinator.httpUrl as string
  try {
    const ready = async () => {
      const r = await fetch(`${api}/readyz`)
      return { status: r.status, body: (await r.json()) as { ready: boolean; reasons: string[] } }
    }
    await waitFor('ready', async () => (await ready()).status === 200, 10_000)
    assert.deepEqual((await ready()).body, { ready: true, reasons: [] })
    const blocks = await fetch(`${api}/v1/blocks?from=0`)
    assert.equal(blocks.status, 200, 'the chain routes read through the credentials')

    await proxy.close()
    await waitFor('not ready', async () => (await ready()).status === 503, 10_000)
    assert.deepEqual((await ready()).body.reasons, ['the chain is unreachable (APIARY_RPC_UNREACHABLE)'])
    assert.equal((await fetch(`${api}/healthz`)).status, 200, 'alive, not ready')
    const down = await fetch(`${api}/v1/blocks?from=0`)
    const text = await down.text()
    assert.equal(down.status, 503)
    assert.equal(JSON.parse(text).code, 'RPC_UNREACHABLE')
    assert.ok(!text.includes('s3cr3t') && !text.includes('alice'), text)
  } finally {
    await coordinator.close()
  }
})
