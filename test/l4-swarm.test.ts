import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { openStateStore } from '../src/agent/index.ts'
import {
  createRpcClient,
  createTraffic,
  devnetGenesis,
  exportSnapshot,
  startDevnet,
} from '../src/chain/index.ts'
import { startCoordinator } from '../src/cli/startCoordinator.ts'
import { deriveApiKey } from '../src/coordinator/identity/index.ts'
import { runApiary, startApiary, stopProcess } from './_harness/cli.ts'
import { logger, SECRET, waitFor } from './_harness/swarm.ts'

const BLOCKS = 300

type Shadow = {
  levels: Record<string, { scored: number; matched: number; accuracy: number }>
  stateRoot: {
    agentId: string
    block: number
    error: string | null
    refused: number
    onChain: boolean | null
  }[]
}

test(`an L4 agent (the CLI) on the devnet under traffic: its state root is the header's at every block over ${BLOCKS} blocks, its answers are 100 % right, a SIGKILL mid-stream resumes from its datadir without the snapshot`, {
  timeout: 420_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'apiary-l4-swarm-'))
  const devnet = await startDevnet({ logger }, { port: 0, accounts: 10, blockTime: 0.25 })
  const rpc = createRpcClient(devnet.url, { timeoutMs: 30_000 })
  const head = async () => BigInt((await rpc('eth_blockNumber', [])) as string)
  const stop = new AbortController()
  let agent: Awaited<ReturnType<typeof startApiary>> | undefined
  await waitFor('a few blocks', async () => (await head()) >= 2n, 30_000)
  // The snapshot the agent starts from, and the coordinator's first followed block right after it.
  const from = await head()
  const snapshot = join(dir, 'state.snap')
  await exportSnapshot(rpc, { genesis: await devnetGenesis(rpc, 10), to: from, path: snapshot })
  const swarm = await startCoordinator({
    logger,
    datadir: join(dir, 'coordinator'),
    masterSecret: SECRET,
    rpcUrl: devnet.url,
    fork: 'prague',
    confirmations: 0,
    pollMs: 100,
    fromBlock: Number(from) + 1,
    stateDiffs: 1000,
    host: '127.0.0.1',
    grpcPort: 0,
    httpPort: 0,
    redundancy: 1,
    deadlineMs: 10_000,
  })
  const traffic = createTraffic(
    { logger },
    { rpcUrl: devnet.url, chainId: devnet.chainId, accounts: devnet.accounts.slice(0, 6), seed: 22 },
  )
  try {
    await traffic.setup()
    const sending = traffic.run({ tps: 10, signal: stop.signal })
    const keyFile = join(dir, 'wallet.key')
    writeFileSync(keyFile, `${devnet.accounts[8]?.privateKey}\n`, { mode: 0o600 })
    const datadir = join(dir, 'l4')
    const args = [
      ...['--log-level', 'info', 'agent'],
      ...['--coordinator', swarm.grpcUrl.replace('http://', ''), '--agent-id', 'l4-bee'],
      ...['--api-key', deriveApiKey(SECRET, 'l4-bee'), '--private-key-file', keyFile],
      ...['--level', 'L4', '--datadir', datadir, '--snapshot', snapshot, '--concurrency', '1'],
    ]
    const shadow = async () => (await (await fetch(`${swarm.httpUrl}/swarm/shadow`)).json()) as Shadow
    const reported = async () => (await shadow()).stateRoot.find((r) => r.agentId === 'l4-bee')
    const logs: string[] = []
    agent = await startApiary(args, { ready: 'Ctrl-C stops it', onLine: (line) => logs.push(line) })
    assert.ok(
      logs.some((l) => l.includes('snapshot loaded')),
      'the first start loads the snapshot',
    )
    await waitFor(
      'a third of the blocks',
      async () => ((await reported())?.block ?? 0) >= Number(from) + BLOCKS / 3,
      180_000,
    )

    // kill -9 mid-stream; the restart reads no snapshot: it is ready from its store.
    await stopProcess(agent, 'SIGKILL')
    const killedAt = (await reported())?.block ?? 0
    logs.length = 0
    agent = await startApiary(args, { ready: 'Ctrl-C stops it', onLine: (line) => logs.push(line) })
    const resumed = logs.find((l) => l.includes('state resumed from the datadir'))
    assert.ok(resumed !== undefined, logs.join('\n'))
    assert.ok(!logs.some((l) => l.includes('snapshot loaded')), 'no snapshot reload')
    const { block: resumedAt, ms } = JSON.parse(resumed) as { block: number; ms: number }
    assert.ok(resumedAt >= killedAt, `resumed at ${resumedAt}, last reported ${killedAt}`)
    t.diagnostic(`restart: ready from the datadir at block ${resumedAt} in ${ms} ms`)

    await waitFor(
      `${BLOCKS} blocks`,
      async () => ((await reported())?.block ?? 0) >= Number(from) + BLOCKS,
      300_000,
    )
    stop.abort()
    await sending
    // Its last answers scored (confirmations 0: the next poll).
    await new Promise((resolve) => setTimeout(resolve, 2000))
    const final = await shadow()
    const report = final.stateRoot.find((r) => r.agentId === 'l4-bee')
    assert.equal(report?.error, null)
    assert.equal(report?.refused, 0)
    assert.equal(report?.onChain, true)
    const l4 = final.levels.L4
    assert.ok(l4 !== undefined && l4.scored >= 50, `L4 answers scored: ${JSON.stringify(l4)}`)
    assert.equal(l4.matched, l4.scored, 'every L4 answer right')
    await stopProcess(agent, 'SIGTERM')
    agent = undefined

    // This coordinator keeps diffs from block ${from + 1} only: no snapshot can be replayed from its store.
    const refused = await runApiary([
      ...['snapshot', 'export', '--datadir', join(dir, 'coordinator'), '--rpc', devnet.url],
      ...['--devnet-accounts', '10', '--out', join(dir, 'none.snap')],
    ])
    assert.equal(refused.code, 2, refused.stderr)
    assert.match(refused.stderr, /APIARY_SNAPSHOT_DIFFS_MISSING/)

    // Every block the store still holds (its last 256) has the node's hash and header state root.
    const store = openStateStore(datadir)
    const top = store.head()?.number ?? 0n
    let checked = 0
    for (let n = top; store.at(n) !== undefined; n--) {
      const block = (await rpc('eth_getBlockByNumber', [`0x${n.toString(16)}`, false])) as {
        hash: string
        stateRoot: string
      }
      const held = store.at(n)
      assert.equal(`0x${Buffer.from(held?.hash ?? []).toString('hex')}`, block.hash, `block ${n}`)
      assert.equal(`0x${Buffer.from(held?.stateRoot ?? []).toString('hex')}`, block.stateRoot, `block ${n}`)
      checked++
    }
    store.close()
    assert.ok(checked >= 200, `${checked} blocks checked`)
    t.diagnostic(
      `${BLOCKS}+ blocks applied with the header's root; L4 answers ${l4.matched}/${l4.scored} right`,
    )
  } finally {
    stop.abort()
    if (agent !== undefined) await stopProcess(agent, 'SIGKILL')
    await swarm.close()
    await devnet.close()
  }
})
