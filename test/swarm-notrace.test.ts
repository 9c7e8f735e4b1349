import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { createTraffic, type Devnet, startDevnet } from '../src/chain/index.ts'
import { type StartedCoordinator, startCoordinator } from '../src/cli/startCoordinator.ts'
import { type RpcProxy, startRpcProxy } from './_harness/rpcProxy.ts'
import { Level, logger, SECRET, startAgent, waitFor } from './_harness/swarm.ts'

let devnet: Devnet
let proxy: RpcProxy
let coordinator: StartedCoordinator
before(async () => {
  devnet = await startDevnet({ logger }, { port: 0, blockTime: 1, accounts: 8 })
  proxy = await startRpcProxy(devnet.url, { refuse: /^debug_/ })
  coordinator = await startCoordinator({
    logger,
    datadir: ':memory:',
    masterSecret: SECRET,
    rpcUrl: proxy.url,
    fork: 'prague',
    confirmations: 1,
    pollMs: 100,
    host: '127.0.0.1',
    grpcPort: 0,
    httpPort: 0,
    redundancy: 2,
    deadlineMs: 5000,
    // The history path (mined blocks re-executed over JSON-RPC) is what this test is about.
    pending: false,
  })
})
after(async () => {
  await coordinator.close()
  await proxy.close()
  await devnet.close()
})

test('on a node without debug tracing the coordinator re-executes blocks, and honest agents score 100% against receipts', {
  timeout: 180_000,
}, async () => {
  const agents = [
    startAgent(coordinator.grpcUrl, 'notrace-l3-a', Level.L3),
    startAgent(coordinator.grpcUrl, 'notrace-l3-b', Level.L3),
    startAgent(coordinator.grpcUrl, 'notrace-l1', Level.L1),
  ]
  try {
    const traffic = createTraffic(
      { logger },
      { rpcUrl: devnet.url, chainId: devnet.chainId, accounts: devnet.accounts, seed: 5 },
    )
    await traffic.setup()
    const { sent } = await traffic.run({ tps: 60, maxTransactions: 80 })
    assert.equal(sent.length, 80)
    await waitFor(
      'every transaction scored by both L3 agents',
      () => {
        const tallies = coordinator.status().accuracy.agents
        return ['notrace-l3-a', 'notrace-l3-b'].every((id) => (tallies.get(id)?.scored ?? 0) >= 80)
      },
      120_000,
    )
    const { accuracy } = coordinator.status()
    for (const id of ['notrace-l3-a', 'notrace-l3-b', 'notrace-l1']) {
      const tally = accuracy.agents.get(id)
      assert.ok(tally !== undefined && tally.scored > 0, `${id} was scored`)
      assert.equal(tally.matched, tally.scored, `${id}: ${JSON.stringify(tally.fields)}`)
    }
    const l3 = accuracy.agents.get('notrace-l3-a')?.fields
    assert.ok((l3?.gasUsed?.[1] ?? 0) >= 80, 'receipt fields scored')
    assert.equal(l3?.stateChanges?.[1] ?? 0, 0, 'no state diff is scored without a tracer')

    const status = (await (await fetch(`${coordinator.httpUrl}/swarm/status`)).json()) as Record<
      string,
      unknown
    >
    assert.equal(status.witnessSource, 'reexecute')
    assert.ok((proxy.calls.get('eth_getStorageAt') ?? 0) > 0, 'state read through plain JSON-RPC')
    assert.ok((proxy.calls.get('debug_traceTransaction') ?? 0) > 0, 'tracing was tried and refused')
  } finally {
    await Promise.all(agents.map((a) => a.close({ graceMs: 1000 })))
  }
})
