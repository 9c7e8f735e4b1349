import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { startCoordinator } from '../src/cli/startCoordinator.ts'
import { FIXTURES } from './_harness/fixtures.ts'
import { DIALECTS, databaseUrl } from './_harness/postgres.ts'
import { Level, lie, logger, SECRET, startAgent, waitFor } from './_harness/swarm.ts'

for (const dialect of DIALECTS)
  test(`replay mode (${dialect}): real chain transactions from the prestate fixtures go through the swarm and are scored against the fixtures`, {
    timeout: 120_000,
  }, async () => {
    const coordinator = await startCoordinator({
      logger,
      datadir: ':memory:',
      databaseUrl: dialect === 'postgres' ? await databaseUrl() : undefined,
      masterSecret: SECRET,
      replay: join(FIXTURES, 'prestate'),
      fork: 'prague',
      confirmations: 0,
      pollMs: 100,
      host: '127.0.0.1',
      grpcPort: 0,
      redundancy: 2,
      deadlineMs: 10_000,
    })
    const agents = [
      startAgent(coordinator.grpcUrl, 'replay-l3-a', Level.L3),
      startAgent(coordinator.grpcUrl, 'replay-l3-b', Level.L3),
      startAgent(coordinator.grpcUrl, 'replay-l1', Level.L1),
      startAgent(coordinator.grpcUrl, 'replay-liar', Level.L2, { tamper: lie }),
    ]
    try {
      // 87 fixtures: two L3 answers, one L1 and one L2 each.
      await waitFor(
        'every fixture scored',
        () => coordinator.status().accuracy.total.scored >= 87 * 4,
        100_000,
      )
      const { agents: tallies } = coordinator.status().accuracy
      for (const id of ['replay-l3-a', 'replay-l3-b', 'replay-l1']) {
        const tally = tallies.get(id)
        assert.equal(tally?.scored, 87, `${id} answered every fixture`)
        assert.equal(tally.matched, 87, `${id}: ${JSON.stringify(tally.fields)}`)
      }
      const l3 = tallies.get('replay-l3-a')?.fields
      assert.ok((l3?.gasUsed?.[1] ?? 0) > 30, 'gas used known for the callTracer fixtures')
      assert.ok((l3?.stateChanges?.[1] ?? 0) > 5, 'state changes known for the diffMode fixtures')
      assert.equal(tallies.get('replay-liar')?.matched, 0)
    } finally {
      await Promise.all(agents.map((a) => a.close({ graceMs: 0 })))
      await coordinator.close()
    }
  })
