import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createClient } from '@connectrpc/connect'
import { createGrpcTransport } from '@connectrpc/connect-node'
import { privateKeyToAccount } from 'viem/accounts'
import { createTraffic, type Devnet, startDevnet } from '../src/chain/index.ts'
import { type StartedCoordinator, startCoordinator } from '../src/cli/startCoordinator.ts'
import { deriveApiKey } from '../src/coordinator/identity/index.ts'
import { openStore } from '../src/coordinator/store/index.ts'
import { SwarmService } from '../src/gen/apiary/v1/swarm_pb.js'
import { signRegistration } from '../src/protocol/index.ts'
import { DIALECTS, storeLocation } from './_harness/postgres.ts'
import { assertPromtoolClean } from './_harness/promtool.ts'
import { storeSql } from './_harness/storeSql.ts'
import { Level, lie, logger, SECRET, startAgent, waitFor } from './_harness/swarm.ts'

for (const dialect of DIALECTS)
  describe(`a swarm on ${dialect}`, () => {
    let devnet: Devnet
    let coordinator: StartedCoordinator
    let datadir: string
    let location: { path: string } | { url: string }
    before(async () => {
      devnet = await startDevnet({ logger }, { port: 0, accounts: 8 })
      datadir = mkdtempSync(join(tmpdir(), 'apiary-e2e-'))
      location = await storeLocation(dialect, join(datadir, 'coordinator.db'))
      coordinator = await startCoordinator({
        logger,
        datadir,
        databaseUrl: 'url' in location ? location.url : undefined,
        masterSecret: SECRET,
        rpcUrl: devnet.url,
        fork: 'prague',
        confirmations: 0,
        pollMs: 100,
        host: '127.0.0.1',
        grpcPort: 0,
        httpPort: 0,
        redundancy: 2,
        deadlineMs: 10_000,
      })
    })
    after(async () => {
      await coordinator.close()
      await devnet.close()
    })

    test(`a swarm (${dialect}) validates 200+ devnet transactions: honest agents score 100%, a liar below 50% with no match, a vanished agent is replaced`, {
      timeout: 240_000,
    }, async () => {
      // An agent that takes a batch and disappears without answering (its connection drops mid-batch).
      const vanishing = 'agent-vanishing'
      const client = createClient(SwarmService, createGrpcTransport({ baseUrl: coordinator.grpcUrl }))
      const headers = {
        'x-apiary-agent-id': vanishing,
        authorization: `Bearer ${deriveApiKey(SECRET, vanishing)}`,
      }
      const wallet = privateKeyToAccount('0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba')
      const { session } = await client.register(
        await signRegistration({
          agentId: vanishing,
          wallet,
          chainId: 31337n,
          level: Level.L1,
          region: 'test',
          maxInFlight: 8,
          agentVersion: 'test',
        }),
        { headers },
      )
      const vanish = new AbortController()
      const held: string[] = []
      const grabbing = (async () => {
        for await (const { tasks } of client.streamTasks({ session }, { headers, signal: vanish.signal })) {
          held.push(...tasks.map((t) => t.taskId))
          vanish.abort()
        }
      })().catch(() => {})

      const traffic = createTraffic(
        { logger },
        { rpcUrl: devnet.url, chainId: devnet.chainId, accounts: devnet.accounts.slice(0, 7), seed: 3 },
      )
      await traffic.setup()
      await grabbing
      assert.ok(held.length > 0, 'the vanishing agent got a batch before it went')

      const acks = new Map<string, number>()
      const onAck = ({ accepted }: { accepted: boolean }) =>
        acks.set(accepted ? 'accepted' : 'refused', (acks.get(accepted ? 'accepted' : 'refused') ?? 0) + 1)
      const agents = [
        startAgent(coordinator.grpcUrl, 'honest-l3-a', Level.L3, { onAck }),
        startAgent(coordinator.grpcUrl, 'honest-l3-b', Level.L3, { onAck }),
        startAgent(coordinator.grpcUrl, 'honest-l2', Level.L2, { onAck }),
        startAgent(coordinator.grpcUrl, 'honest-l1', Level.L1, { onAck }),
        startAgent(coordinator.grpcUrl, 'liar-l3', Level.L3, { onAck, tamper: lie }),
      ]
      try {
        const { sent, refused } = await traffic.run({ tps: 100, maxTransactions: 210 })
        assert.equal(refused, 0)
        assert.equal(sent.length, 210)

        const store = await openStore(location)
        const count = async (sql: string) => Number(((await storeSql(store).get(sql)) as { n: number }).n)
        try {
          // Every inclusion answered at L1 and L2 once (one agent each) and at L3 twice (two of three agents).
          let progress = ''
          await waitFor(
            'every transaction scored at every level',
            async () => {
              const inclusions = await count("SELECT COUNT(*) AS n FROM inclusions WHERE state = 'final'")
              const scored = await count('SELECT COUNT(*) AS n FROM results WHERE scored_at IS NOT NULL')
              const last = sent.at(-1)?.hash
              const lastFinal = await count(
                `SELECT COUNT(*) AS n FROM inclusions WHERE tx_hash = '${last}' AND state = 'final'`,
              )
              progress = JSON.stringify({
                inclusions,
                scored,
                lastFinal,
                byLevel: await storeSql(store).all('SELECT level, COUNT(*) AS n FROM results GROUP BY level'),
                pending: await count("SELECT COUNT(*) AS n FROM inclusions WHERE state = 'pending'"),
                hub: coordinator.status().counters,
                live: coordinator.status().agentsLive,
              })
              return lastFinal === 1 && scored >= inclusions * 4
            },
            150_000,
          ).catch((error) => {
            throw new Error(`${(error as Error).message}: ${progress}`)
          })
          const inclusions = await count("SELECT COUNT(*) AS n FROM inclusions WHERE state = 'final'")
          assert.ok(inclusions >= 210, `${inclusions} transactions followed`)
          for (const hash of sent.map((s) => s.hash))
            assert.equal(
              await count(`SELECT COUNT(*) AS n FROM inclusions WHERE tx_hash = '${hash}'`),
              1,
              'each transaction dispatched once per inclusion',
            )
          // The vanished agent's tasks went to the honest L1 agent.
          for (const taskId of held) {
            const row = await storeSql(store).get<{ agent_id: string }>(
              `SELECT r.agent_id FROM assignments a JOIN results r ON r.inclusion = a.inclusion AND r.level = a.level
             WHERE a.task_id = ?`,
              taskId,
            )
            assert.equal(row?.agent_id, 'honest-l1', `task ${taskId} was reassigned and answered`)
          }
        } finally {
          await store.close()
        }

        const { accuracy } = coordinator.status()
        for (const id of ['honest-l3-a', 'honest-l3-b', 'honest-l2', 'honest-l1']) {
          const tally = accuracy.agents.get(id)
          assert.ok(tally !== undefined && tally.scored > 0, `${id} was scored`)
          assert.equal(tally.matched, tally.scored, `${id}: ${JSON.stringify(tally.fields)}`)
        }
        const liar = accuracy.agents.get('liar-l3')
        assert.ok(liar !== undefined && liar.scored > 20, 'the liar was scored')
        assert.equal(liar.matched, 0, 'no flipped verdict counts as a match')
        assert.ok(liar.matched / liar.scored < 0.5)

        // The HTTP API tells the same story, keeping agent-private fields private.
        const http = coordinator.httpUrl as string
        const get = async (path: string, headers: Record<string, string> = {}) => {
          const response = await fetch(`${http}${path}`, { headers })
          return { status: response.status, body: (await response.json()) as Record<string, unknown> }
        }
        const status = await get('/swarm/status')
        assert.equal(status.body.chainId, '31337')
        assert.equal(status.body.witnessSource, 'traceTransaction')
        assert.equal((status.body.agents as unknown as { live: number }).live, 5)
        const shadow = await get('/swarm/shadow')
        const l3 = (
          shadow.body.levels as unknown as Record<string, { fields: Record<string, { compared: number }> }>
        ).L3
        assert.ok(
          l3 !== undefined && (l3.fields.stateChanges?.compared ?? 0) >= 2 * 200,
          'L3 state diffs scored',
        )
        const board = (await get('/swarm/leaderboard')).body.leaderboard as unknown as { id: string }[]
        assert.equal(board.at(-1)?.id === 'liar-l3' || board.at(-2)?.id === 'liar-l3', true)
        // Payout wallets are public (bundles and settlements name them); the session and refusals are the owner's.
        const publicView = await get('/swarm/agents/liar-l3')
        assert.match(String(publicView.body.payoutWallet), /^0x[0-9a-f]{40}$/)
        assert.equal(publicView.body.session, undefined)
        assert.equal(publicView.body.rejections, undefined)
        const ownView = await get('/swarm/agents/liar-l3', {
          'x-apiary-agent-id': 'liar-l3',
          authorization: `Bearer ${deriveApiKey(SECRET, 'liar-l3')}`,
        })
        assert.equal(typeof ownView.body.session, 'number')
        assert.ok(ownView.body.rejections !== undefined)
        assert.equal((await get('/swarm/agents/nobody')).status, 404)
        assert.equal((await get(`/swarm/tasks/${held[0]}`)).body.agentId, vanishing)
        assert.equal((await get('/readyz')).status, 200)
        const openapi = await get('/openapi.json')
        assert.ok('/swarm/shadow' in (openapi.body.paths as unknown as object))
        // Every operation declares who may call it and what credentials add.
        for (const [path, item] of Object.entries(openapi.body.paths as unknown as Record<string, object>))
          for (const [method, op] of Object.entries(item as Record<string, { security?: unknown }>))
            assert.ok(Array.isArray(op.security), `${method} ${path} declares its security`)
        const metrics = await (await fetch(`${http}/metrics`)).text()
        assert.match(metrics, /apiary_results_scored_total \d+/)
        for (const series of [
          /apiary_rpc_request_duration_seconds_bucket\{le="[^"]+",method="eth_blockNumber",outcome="ok"\} \d+/,
          /apiary_dispatch_ack_duration_seconds_count\{level="L3"\} [1-9]\d*/,
          /apiary_follower_lag_blocks \d+/,
          /apiary_chain_block\{which="head"\} \d+/,
          /apiary_accuracy_ratio\{level="L1"\} /,
        ])
          assert.match(metrics, series)
        assertPromtoolClean(metrics)
      } finally {
        await Promise.all(agents.map((a) => a.close({ graceMs: 1000 })))
      }
    })
  })
