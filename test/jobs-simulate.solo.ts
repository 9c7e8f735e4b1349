import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { create } from '@bufbuild/protobuf'
import { encodeFunctionData, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createSiweMessage } from 'viem/siwe'
import { type Devnet, JobEscrow, startDevnet } from '../src/chain/index.ts'
import type { StartedCoordinator } from '../src/cli/startCoordinator.ts'
import { deriveClientKey } from '../src/coordinator/identity/index.ts'
import { openStore } from '../src/coordinator/store/index.ts'
import { JobResultSchema, type TaskResult, TaskResultSchema } from '../src/gen/apiary/v1/swarm_pb.js'
import { runApiary } from './_harness/cli.ts'
import { startPaidCoordinator } from './_harness/jobs.ts'
import { storeSql } from './_harness/storeSql.ts'
import { Level, logger, SECRET, startAgent, waitFor } from './_harness/swarm.ts'

const PRICE = 10n ** 12n

/** What the API answers, as far as these tests read it. */
type Body = Record<string, string> & { jobs: JobView[]; id: string; state: string }
interface JobView {
  id: string
  state: string
  output: {
    calls: {
      status: string
      gasUsed: string
      returnData: string
      logs: unknown[]
      stateDiff: { post: unknown }
    }[]
    unwitnessed: string[]
  }
}

/** The job liar: a well-formed output with every call's gas one higher than it ran. */
function lieAboutJobs(result: TaskResult): TaskResult {
  if (result.job === undefined) return result
  const output = JSON.parse(new TextDecoder().decode(result.job.output)) as {
    calls?: { gasUsed: string }[]
  }
  for (const call of output.calls ?? []) call.gasUsed = `0x${(BigInt(call.gasUsed) + 1n).toString(16)}`
  return create(TaskResultSchema, {
    ...result,
    job: create(JobResultSchema, {
      ...result.job,
      output: new TextEncoder().encode(JSON.stringify(output)),
    }),
  })
}

describe('evm.simulate jobs paid from a JobEscrow', () => {
  let devnet: Devnet
  let coordinator: StartedCoordinator
  let escrow: Hex
  let datadir: string
  let client: Hex
  const request = async (method: string, path: string, body?: unknown, who = client) => {
    const response = await fetch(`${coordinator.httpUrl}${path}`, {
      method,
      headers: {
        'x-apiary-client': who,
        authorization: `Bearer ${deriveClientKey(SECRET, who)}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    return { status: response.status, body: (await response.json()) as Body }
  }
  const simulate = (transactions: unknown[], extra: Record<string, unknown> = {}) =>
    request('POST', '/v1/jobs', {
      type: 'evm.simulate',
      input: { transactions },
      maxFee: (PRICE * BigInt(transactions.length)).toString(),
      ...extra,
    })

  before(async () => {
    devnet = await startDevnet({ logger }, { port: 0, accounts: 10 })
    ;({ coordinator, escrow, client, datadir } = await startPaidCoordinator(devnet, {
      deposit: PRICE * 1000n,
      jobs: { prices: { 'evm.simulate': { coin: PRICE, token: 1000n } } },
    }))
  })
  after(async () => {
    await coordinator?.close()
    await devnet?.close()
  })

  test('sign-in with Ethereum: the client CLI gets its key by signing; a replayed or misdirected message gets nothing', async () => {
    const api = coordinator.httpUrl as string
    const keyFile = join(datadir, 'client.key')
    const account = devnet.accounts.find((a) => a.address.toLowerCase() === client) as { privateKey: Hex }
    writeFileSync(keyFile, `${account.privateKey}\n`, { mode: 0o600 })
    const cli = await runApiary([
      ...['client', 'apikey', '--coordinator-http', api, '--private-key-file', keyFile],
    ])
    assert.equal(cli.code, 0, cli.stderr)
    assert.equal(cli.stdout.trim(), deriveClientKey(SECRET, client))
    assert.equal((await request('GET', `/v1/jobs?client=${client}`)).status, 200)

    const wallet = privateKeyToAccount(account.privateKey)
    const signIn = async (domain: string, nonce?: string) => {
      const issued = (await (await fetch(`${api}/v1/auth/nonce`)).json()) as { nonce: string }
      const message = createSiweMessage({
        domain,
        address: wallet.address,
        uri: api,
        version: '1',
        chainId: devnet.chainId,
        nonce: nonce ?? issued.nonce,
      })
      return { message, signature: await wallet.signMessage({ message }) }
    }
    const post = async (body: unknown) => {
      const response = await fetch(`${api}/v1/auth/siwe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      return { status: response.status, body: (await response.json()) as Body }
    }
    const signed = await signIn(new URL(api).host)
    assert.equal((await post(signed)).body.apiKey, deriveClientKey(SECRET, client))
    const replay = await post(signed)
    assert.deepEqual([replay.status, replay.body.code], [401, 'SIWE_NONCE_INVALID'])
    const phished = await post(await signIn('apiary.phishing.example'))
    assert.deepEqual([phished.status, phished.body.code], [400, 'SIWE_INVALID'])
    const made = await post(await signIn(new URL(api).host, 'a'.repeat(52)))
    assert.deepEqual([made.status, made.body.code], [401, 'SIWE_NONCE_INVALID'])
    assert.equal((await post({ message: 'x'.repeat(5000), signature: '0x' })).status, 413)
    assert.equal((await post({ message: signed.message, signature: '0x12' })).status, 400)
  })

  test('admission: credentials, price and balance are checked; cancel and expiry release the reservation', async () => {
    const transfer = { from: devnet.accounts[1]?.address, to: devnet.accounts[2]?.address, value: '0x1' }
    const stranger = (devnet.accounts[6] as { address: Hex }).address.toLowerCase() as Hex

    const unauthenticated = await fetch(`${coordinator.httpUrl}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-apiary-client': client, authorization: 'Bearer x' },
      body: JSON.stringify({ type: 'evm.simulate', input: { transactions: [transfer] }, maxFee: '1' }),
    })
    assert.equal(unauthenticated.status, 401)

    const cheap = await simulate([transfer], { maxFee: (PRICE - 1n).toString() })
    assert.equal(cheap.status, 400)
    assert.equal(cheap.body.code, 'FEE_BELOW_PRICE')

    const malformed = await request('POST', '/v1/jobs', {
      type: 'evm.simulate',
      input: { transactions: [{ from: 'me' }] },
      maxFee: '1',
    })
    assert.equal(malformed.status, 400)

    const broke = await request(
      'POST',
      '/v1/jobs',
      {
        type: 'evm.simulate',
        input: { transactions: [transfer] },
        maxFee: PRICE.toString(),
      },
      stranger,
    )
    assert.equal(broke.status, 402)
    assert.deepEqual(
      { code: broke.body.code, needed: broke.body.needed, available: broke.body.available },
      { code: 'PAYMENT_REQUIRED', needed: PRICE.toString(), available: '0' },
    )

    // The whole deposit reserved by one queued job (no agent yet): the next one is refused...
    const all = await simulate([transfer], { maxFee: (PRICE * 1000n).toString() })
    assert.equal(all.status, 202, JSON.stringify(all.body))
    assert.equal(all.body.state, 'queued')
    const refused = await simulate([transfer])
    assert.equal(refused.status, 402)
    assert.equal(refused.body.available, '0')
    // ...until it is canceled: the reservation is released.
    const canceled = await request('DELETE', `/v1/jobs/${all.body.id}`)
    assert.equal(canceled.status, 200)
    assert.equal(canceled.body.state, 'canceled')
    assert.equal(canceled.body.reserved, '0')
    assert.equal((await request('DELETE', `/v1/jobs/${all.body.id}`)).status, 409)
    // Another client never sees it.
    assert.equal((await request('GET', `/v1/jobs/${all.body.id}`, undefined, stranger)).status, 404)

    const expiring = await simulate([transfer], { maxFee: (PRICE * 1000n).toString(), ttlSeconds: 1 })
    assert.equal(expiring.status, 202)
    await waitFor(
      'the job expires',
      async () => (await request('GET', `/v1/jobs/${expiring.body.id}`)).body.state === 'expired',
      10_000,
    )
    const after = await simulate([transfer], { maxFee: (PRICE * 1000n).toString() })
    assert.equal(after.status, 202, 'the expired reservation is released')
    assert.equal((await request('DELETE', `/v1/jobs/${after.body.id}`)).status, 200)
  })

  test('50 simulated transactions equal the devnet’s own debug_traceCall answers; a liar is outvoted and a silent agent replaced', {
    timeout: 180_000,
  }, async () => {
    const [a, b, c, d] = devnet.accounts.slice(1, 5).map((x) => x.address.toLowerCase() as Hex) as [
      Hex,
      Hex,
      Hex,
      Hex,
    ]
    const deposit = (to: Hex) =>
      encodeFunctionData({ abi: JobEscrow.abi, functionName: 'depositFor', args: [to] })
    const announce = encodeFunctionData({
      abi: JobEscrow.abi,
      functionName: 'announceWithdrawal',
      args: [0, 1n],
    })
    const withdraw = encodeFunctionData({ abi: JobEscrow.abi, functionName: 'withdraw', args: [0] })
    const singles: Record<string, string>[] = []
    for (let i = 0; i < 40; i++) {
      const from = [a, b, c, d][i % 4] as Hex
      const kind = i % 5
      singles.push(
        kind === 0
          ? { from, to: [b, c, d, a][i % 4] as Hex, value: `0x${(i + 1).toString(16)}` }
          : kind === 1
            ? { from, to: escrow, data: deposit(from), value: `0x${(1000 + i).toString(16)}` }
            : kind === 2
              ? { from, to: escrow, data: withdraw } // reverts: nothing announced
              : kind === 3
                ? { from, data: `0x60${(i % 256).toString(16).padStart(2, '0')}600055600a6000f3` }
                : { from, to: escrow, data: announce }, // reverts: no balance
      )
    }
    // Bundles: each transaction on the state the previous left (deposit, then announce what it deposited).
    const bundles = [a, b, c, d, a].map((from) => [
      { from, to: escrow, data: deposit(from), value: '0x64' },
      { from, to: escrow, data: announce },
    ])

    const silent = startAgent(coordinator.grpcUrl, 'job-silent', Level.L3, { answer: async () => undefined })
    const agents = [
      startAgent(coordinator.grpcUrl, 'job-honest-a', Level.L3),
      startAgent(coordinator.grpcUrl, 'job-honest-b', Level.L3),
      startAgent(coordinator.grpcUrl, 'job-liar', Level.L3, { tamper: lieAboutJobs }),
      silent,
    ]
    try {
      const singleJobs = await Promise.all(singles.map((tx) => simulate([tx])))
      const bundleJobs = await Promise.all(bundles.map((txs) => simulate(txs)))
      for (const job of [...singleJobs, ...bundleJobs])
        assert.equal(job.status, 202, JSON.stringify(job.body))
      const ids = [...singleJobs, ...bundleJobs].map((j) => j.body.id as string)
      const done = new Map<string, JobView>()
      await waitFor(
        'every job decided',
        async () => {
          const { body } = await request('GET', `/v1/jobs?client=${client}&limit=1000`)
          for (const job of body.jobs as JobView[])
            if (ids.includes(job.id) && job.state !== 'queued' && job.state !== 'running')
              done.set(job.id, job)
          return done.size === ids.length
        },
        120_000,
      )
      for (const id of ids) assert.equal(done.get(id)?.state, 'completed', JSON.stringify(done.get(id)))

      // Each single call as the devnet answers it on the same state.
      for (const [i, tx] of singles.entries()) {
        const job = done.get(ids[i] as string) as JobView
        const ours = job.output.calls[0] as JobView['output']['calls'][number]
        const [trace, diff, calls] = (await Promise.all([
          devnet.request('debug_traceCall', [tx, 'latest']),
          devnet.request('debug_traceCall', [
            tx,
            'latest',
            { tracer: 'prestateTracer', tracerConfig: { diffMode: true } },
          ]),
          devnet.request('debug_traceCall', [
            tx,
            'latest',
            { tracer: 'callTracer', tracerConfig: { withLog: true } },
          ]),
        ])) as [
          { failed: boolean; gas: number; returnValue: string },
          { post: Record<string, unknown> },
          { logs?: { address: string; topics: string[]; data: string }[] },
        ]
        assert.equal(ours.status === 'success', !trace.failed, `call ${i} status`)
        assert.equal(BigInt(ours.gasUsed), BigInt(trace.gas), `call ${i} gas`)
        assert.equal(ours.returnData, `0x${trace.returnValue.replace(/^0x/, '')}`, `call ${i} return data`)
        assert.deepEqual(ours.stateDiff.post, diff.post, `call ${i} state diff`)
        assert.deepEqual(
          ours.logs,
          (calls.logs ?? []).map((l) => ({ address: l.address, topics: l.topics, data: l.data })),
          `call ${i} logs`,
        )
      }
      // The bundles: the announcement succeeds only on the state the deposit left.
      for (const [i] of bundles.entries()) {
        const job = done.get(ids[singles.length + i] as string) as JobView
        assert.deepEqual(
          job.output.calls.map((call: { status: string }) => call.status),
          ['success', 'success'],
        )
        assert.deepEqual(job.output.unwitnessed, [])
      }

      const store = await openStore({ path: join(datadir, 'coordinator.db') })
      try {
        const sql = storeSql(store)
        const liar = (await sql.all("SELECT matched FROM job_results WHERE agent_id = 'job-liar'")) as {
          matched: number
        }[]
        assert.ok(liar.length > 0, 'the liar answered jobs')
        assert.ok(
          liar.every((r) => r.matched === 0),
          'every answer of the liar is scored wrong',
        )
        const honest = (await sql.all(
          "SELECT matched FROM job_results WHERE agent_id LIKE 'job-honest-%'",
        )) as { matched: number }[]
        assert.ok(
          honest.every((r) => r.matched === 1),
          'every honest answer matched',
        )
        const fees = (await sql.all("SELECT fee FROM jobs WHERE state = 'completed'")) as { fee: string }[]
        assert.equal(
          fees.reduce((sum, r) => sum + BigInt(r.fee), 0n),
          PRICE * 50n,
          'each completed job is charged its price once',
        )
      } finally {
        await store.close()
      }
    } finally {
      await Promise.all(agents.map((agent) => agent.close()))
    }
  })
})
