import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { createServer, type Http2Server } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { create } from '@bufbuild/protobuf'
import { createClient } from '@connectrpc/connect'
import { connectNodeAdapter, createGrpcTransport } from '@connectrpc/connect-node'
import { RLP } from '@ethereumjs/rlp'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { createStateSync, openStateStore, type StateStore } from '../src/agent/state/index.ts'
import {
  createRpcClient,
  devnetGenesis,
  exportSnapshot,
  readBlockDiff,
  startDevnet,
} from '../src/chain/index.ts'
import { startCoordinator } from '../src/cli/startCoordinator.ts'
import {
  type StreamStateDiffsResponse,
  StreamStateDiffsResponseSchema,
  SwarmService,
} from '../src/gen/apiary/v1/swarm_pb.js'
import { stateDiffToMessage } from '../src/protocol/index.ts'
import { devnetAfterTraffic } from './_harness/chain.ts'
import { runApiary } from './_harness/cli.ts'
import { Level, logger, SECRET, startAgent, waitFor } from './_harness/swarm.ts'

const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`

/** A header re-made with one field changed, and the message restated to match it (a self-consistent lie). */
function reheader(
  message: StreamStateDiffsResponse,
  field: number,
  value: Uint8Array,
): StreamStateDiffsResponse {
  const fields = RLP.decode(message.header) as Uint8Array[]
  fields[field] = value
  const header = RLP.encode(fields)
  return create(StreamStateDiffsResponseSchema, {
    ...message,
    header,
    blockHash: keccak_256(header),
    ...(field === 0 ? { parentHash: value } : {}),
  })
}

test('an L4 agent catches a lying coordinator: a diff with a gap, a wrong parent, a wrong value or a header that is not the block’s is refused, reported and never applied; honest diffs then apply', {
  timeout: 120_000,
}, async () => {
  const devnet = await devnetAfterTraffic(31, 4)
  const dir = mkdtempSync(join(tmpdir(), 'apiary-l4-liar-'))
  const rpc = createRpcClient(devnet.url, { timeoutMs: 30_000 })
  const head = BigInt((await rpc('eth_blockNumber', [])) as string)
  const from = head - 3n
  const snapshot = join(dir, 'state.snap')
  await exportSnapshot(rpc, { genesis: await devnetGenesis(rpc, 10), to: from, path: snapshot })
  const honest: StreamStateDiffsResponse[] = []
  for (let n = from + 1n; n <= head; n++) honest.push(stateDiffToMessage(await readBlockDiff(rpc, n)))
  const [next, after] = honest as [StreamStateDiffsResponse, StreamStateDiffsResponse]
  const change = next.changes[0]
  assert.ok(change?.balance !== undefined)
  const lies: Record<string, StreamStateDiffsResponse> = {
    APIARY_STATE_GAP: after,
    APIARY_STATE_WRONG_PARENT: reheader(next, 0, keccak_256(new TextEncoder().encode('another chain'))),
    APIARY_STATE_ROOT_MISMATCH: create(StreamStateDiffsResponseSchema, {
      ...next,
      changes: [{ ...change, balance: Uint8Array.of(...change.balance, 1) }, ...next.changes.slice(1)],
    }),
    // A header whose stated root was swapped without re-hashing it.
    APIARY_STATE_DIFF_INVALID: create(StreamStateDiffsResponseSchema, {
      ...next,
      stateRoot: new Uint8Array(32),
    }),
  }
  let lie: StreamStateDiffsResponse | undefined
  const server: Http2Server = createServer(
    connectNodeAdapter({
      grpc: true,
      routes(router) {
        router.service(SwarmService, {
          async *streamStateDiffs(request) {
            if (lie !== undefined) {
              yield lie
              return
            }
            for (const message of honest) if (message.blockNumber >= request.fromBlock) yield message
          },
        })
      },
    }),
  )
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready))
  const store: StateStore = openStateStore(join(dir, 'agent'))
  await store.loadSnapshot(snapshot)
  const sync = createStateSync({
    store,
    client: createClient(
      SwarmService,
      createGrpcTransport({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
    headers: {},
    logger,
    retryMs: 20,
  })
  try {
    let refused = 0
    for (const [code, message] of Object.entries(lies)) {
      lie = message
      await waitFor(code, () => sync.status().refused > refused, 20_000)
      refused = sync.status().refused
      assert.equal(sync.status().error, code)
      assert.equal(store.head()?.number, from, `${code}: the head did not move`)
      assert.equal(sync.report().error, code, 'what the heartbeat reports')
    }
    lie = undefined
    await waitFor('the honest diffs', () => store.head()?.number === head, 30_000)
    const block = (await rpc('eth_getBlockByNumber', [`0x${head.toString(16)}`, false])) as {
      stateRoot: string
    }
    assert.equal(hex(store.head()?.stateRoot ?? new Uint8Array()), block.stateRoot)
    assert.equal(sync.status().error, '')
  } finally {
    await sync.close()
    store.close()
    await new Promise<void>((done) => server.close(() => done()))
    await devnet.close()
  }
})

test('a reorg on the devnet (evm_snapshot / evm_revert): the coordinator unwinds, the L4 agent goes back to the common block and follows the new branch, its root the header’s; a snapshot exported from the coordinator’s datadir has the new tip’s root', {
  timeout: 120_000,
}, async () => {
  const devnet = await startDevnet({ logger }, { port: 0, accounts: 4 })
  const dir = mkdtempSync(join(tmpdir(), 'apiary-l4-reorg-'))
  const rpc = createRpcClient(devnet.url, { timeoutMs: 30_000 })
  const [alice, bob] = devnet.accounts as [
    { address: string; privateKey: `0x${string}` },
    { address: string },
  ]
  const send = async (wei: number) => {
    await rpc('eth_sendTransaction', [
      { from: alice.address, to: bob.address, value: `0x${wei.toString(16)}` },
    ])
  }
  const head = async () => BigInt((await rpc('eth_blockNumber', [])) as string)
  await send(1)
  const from = await head()
  const snapshot = join(dir, 'state.snap')
  await exportSnapshot(rpc, { genesis: await devnetGenesis(rpc, 4), to: from, path: snapshot })
  const swarm = await startCoordinator({
    logger,
    datadir: join(dir, 'coordinator'),
    masterSecret: SECRET,
    rpcUrl: devnet.url,
    fork: 'prague',
    confirmations: 0,
    pollMs: 50,
    // From the genesis: its store then holds the whole chain's diffs, which `snapshot export --datadir` replays.
    fromBlock: 1,
    stateDiffs: 100,
    host: '127.0.0.1',
    grpcPort: 0,
    httpPort: 0,
    redundancy: 1,
    deadlineMs: 10_000,
    pending: false,
  })
  const store = openStateStore(join(dir, 'agent'))
  await store.loadSnapshot(snapshot)
  const agent = startAgent(swarm.grpcUrl, 'l4-reorg', Level.L4, { state: store, threads: 0 })
  const caughtUp = async () =>
    store.head()?.number === (await head()) && swarm.status().followed === Number(await head())
  try {
    for (const wei of [2, 3]) await send(wei)
    await waitFor('the agent at the head', caughtUp, 20_000)
    const fork = (await rpc('evm_snapshot', [])) as string
    const common = await head()
    for (const wei of [4, 5, 6]) await send(wei)
    await waitFor('the agent on the first branch', caughtUp, 20_000)
    const orphan = hex(store.head()?.hash ?? new Uint8Array())
    assert.equal(await rpc('evm_revert', [fork]), true)
    // A longer branch with other transactions: the same heights get other blocks.
    for (const wei of [7, 8, 9, 10]) await send(wei)
    const tip = await head()
    assert.equal(tip, common + 4n)
    await waitFor('the agent on the new branch', caughtUp, 30_000)
    const block = (await rpc('eth_getBlockByNumber', [`0x${tip.toString(16)}`, false])) as {
      hash: string
      stateRoot: string
    }
    assert.equal(hex(store.head()?.hash ?? new Uint8Array()), block.hash)
    assert.equal(hex(store.head()?.stateRoot ?? new Uint8Array()), block.stateRoot)
    assert.notEqual(block.hash, orphan)
    const status = agent.status().state
    assert.ok((status?.unwound ?? 0) >= 3, `went back ${status?.unwound} blocks`)
    assert.equal(status?.refused, 0)
    // The coordinator's store holds the new branch: a snapshot exported from it has the tip's root.
    const exported = await runApiary([
      ...['snapshot', 'export', '--datadir', join(dir, 'coordinator'), '--rpc', devnet.url],
      ...['--devnet-accounts', '4', '--out', join(dir, 'from-coordinator.snap'), '--json'],
    ])
    assert.equal(exported.code, 0, exported.stderr)
    const facts = JSON.parse(exported.stdout) as { block: string; stateRoot: string }
    assert.deepEqual(facts, { ...facts, block: String(tip), stateRoot: block.stateRoot })
    // The balance the new branch gave, read from the agent's own state.
    const balance = await store.account(
      store.head()?.stateRoot as Uint8Array,
      Buffer.from(bob.address.slice(2), 'hex'),
    )
    assert.equal(balance?.balance, BigInt((await rpc('eth_getBalance', [bob.address, 'latest'])) as string))
  } finally {
    await agent.close({ graceMs: 500 })
    store.close()
    await swarm.close()
    await devnet.close()
  }
})
