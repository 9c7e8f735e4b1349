import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { createPublicClient, type Hex, http } from 'viem'
import { AgentRewardPool, createTraffic, JobEscrow, startDevnet } from '../src/chain/index.ts'
import { deriveClientKey } from '../src/coordinator/identity/index.ts'
import { type ClientReceipt, verifyBundleCar, verifyChargeProof, verifyReceipt } from '../src/epoch/index.ts'
import { deployWithHotWallet, runApiary, startApiary, stopProcess } from './_harness/cli.ts'
import { freePort, Level, logger, SECRET, startAgent, waitFor } from './_harness/swarm.ts'

const PRICE = 10n ** 15n
const ETHER = 10n ** 18n
/** Fresh addresses (nothing else pays them) for the operator's and the protocol's fees. */
const OPERATOR = '0x00000000000000000000000000000000000fee01'
const PROTOCOL = '0x00000000000000000000000000000000000fee02'

test('client fees fund the epochs: every completed job charged once on-chain though the coordinator is SIGKILLed while charging, Σ charges = revenue − subsidy, the split paid to agents and the operator to the wei, each charge provable against the on-chain root', {
  timeout: 300_000,
}, async () => {
  const devnet = await startDevnet({ logger }, { port: 0, accounts: 10, blockTime: 1 })
  const chain = createPublicClient({ chain: devnet.chain, transport: http(devnet.url) })
  const dir = mkdtempSync(join(tmpdir(), 'apiary-charges-'))
  const { hot, contract: pool, ops, hotWalletFlags } = await deployWithHotWallet(devnet, dir, 'reward-pool')
  const deployed = await runApiary([
    ...['deploy', 'job-escrow', '--rpc', devnet.url, '--private-key-file', ops],
    ...['--coordinator', hot, '--withdraw-delay', '3600'],
  ])
  assert.equal(deployed.code, 0, deployed.stderr)
  const escrow = deployed.stdout.trim() as Hex
  const clientKey = join(dir, 'client.key')
  writeFileSync(clientKey, `${devnet.accounts[7]?.privateKey}\n`, { mode: 0o600 })
  const client = (devnet.accounts[7] as { address: string }).address.toLowerCase() as Hex
  const deposit = await runApiary([
    ...['client', 'deposit', '--rpc', devnet.url, '--escrow', escrow],
    ...['--private-key-file', clientKey, '--amount', '1ether'],
  ])
  assert.equal(deposit.code, 0, deposit.stderr)

  const grpcPort = await freePort()
  const httpPort = await freePort()
  const api = `http://127.0.0.1:${httpPort}`
  const args = [
    'coordinator',
    ...['--rpc', devnet.url, '--datadir', join(dir, 'coordinator'), '--master-secret', SECRET],
    ...['--grpc-port', String(grpcPort), '--http-port', String(httpPort)],
    ...['--confirmations', '0', '--poll-ms', '100'],
    ...['--epoch-seconds', '3', '--epoch-reward', '1ether', '--reward-pool', pool],
    ...['--job-escrow', escrow, '--simulate-price', PRICE.toString()],
    ...['--operator-recipient', OPERATOR, '--protocol-recipient', PROTOCOL],
    ...hotWalletFlags,
    ...['--log-level', 'info'],
  ]
  // An escrow that lets clients withdraw before a charge can land is refused, naming the delay needed.
  const longEpochs = args.map((a) => (a === '3' ? '3600' : a))
  const refused = await runApiary(longEpochs)
  assert.equal(refused.code, 2, refused.stderr)
  assert.match(refused.stderr, /APIARY_ESCROW_DELAY_TOO_SHORT/)
  assert.match(refused.stderr, /--withdraw-delay 7800/)
  let killedWhileCharging = false
  // Killed only once every job is submitted (a POST to a dead coordinator fails): at its next charge.
  let submitted = false
  let coordinator = await startApiary(args, {
    ready: 'coordinator  grpc',
    onLine: (line, child) => {
      if (submitted && !killedWhileCharging && line.includes('charging clients')) {
        killedWhileCharging = true
        child.kill('SIGKILL')
      }
    },
  })
  const url = `http://127.0.0.1:${grpcPort}`
  const agents = ['ch-l3-aa', 'ch-l3-bbb'].map((id) => startAgent(url, id, Level.L3))
  const traffic = createTraffic(
    { logger },
    { rpcUrl: devnet.url, chainId: devnet.chainId, accounts: devnet.accounts.slice(4, 6), seed: 7 },
  )
  const stop = new AbortController()
  let sending: Promise<unknown> = Promise.resolve()
  const headers = {
    'content-type': 'application/json',
    'x-apiary-client': client,
    authorization: `Bearer ${deriveClientKey(SECRET, client)}`,
  }
  try {
    await traffic.setup()
    sending = traffic.run({ tps: 10, signal: stop.signal })
    // 12 jobs of 1-3 transactions (24 simulated transactions): transfers from the client to the agents.
    const ids: string[] = []
    let simulated = 0n
    for (let i = 0; i < 12; i++) {
      const transactions = Array.from({ length: (i % 3) + 1 }, (_, j) => ({
        from: client,
        to: devnet.accounts[1 + j]?.address,
        value: `0x${(i + 1).toString(16)}`,
      }))
      const response = await fetch(`${api}/v1/jobs`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          type: 'evm.simulate',
          input: { transactions },
          maxFee: (PRICE * 3n).toString(),
          ttlSeconds: 600,
        }),
      })
      assert.equal(response.status, 202, await response.clone().text())
      ids.push(((await response.json()) as { id: string }).id)
      simulated += BigInt(transactions.length)
    }
    submitted = true
    await waitFor('the coordinator killed while charging', () => coordinator.signalCode === 'SIGKILL', 60_000)
    coordinator = await startApiary(args, { ready: 'coordinator  grpc' })

    const charges = async () =>
      chain.getContractEvents({ address: escrow, abi: JobEscrow.abi, eventName: 'Charged', fromBlock: 0n })
    await waitFor(
      'every job charged',
      async () => (await charges()).reduce((sum, e) => sum + (e.args.total ?? 0n), 0n) === PRICE * simulated,
      90_000,
    )
    // Every job completed once, charged its price (not its max fee).
    const list = (await (await fetch(`${api}/v1/jobs?client=${client}&limit=100`, { headers })).json()) as {
      jobs: { id: string; state: string; fee: string; epoch: number | null }[]
    }
    assert.deepEqual(list.jobs.map((j) => j.id).sort(), [...ids].sort())
    for (const job of list.jobs) assert.equal(job.state, 'completed')
    assert.equal(
      list.jobs.reduce((sum, j) => sum + BigInt(j.fee), 0n),
      PRICE * simulated,
    )
    // One Charged event per epoch; the escrow holds the deposit less the charges, to the wei.
    const events = await charges()
    const epochs = events.map((e) => Number(e.args.epoch))
    assert.equal(new Set(epochs).size, epochs.length, 'no epoch charged twice')
    const balance = await chain.readContract({
      address: escrow,
      abi: JobEscrow.abi,
      functionName: 'balanceOf',
      args: [client, 0],
    })
    assert.equal(balance, ETHER - PRICE * simulated)

    // Each charged epoch: its revenue is the subsidy (plus what a carried epoch passed on) and its fees, the
    // pool was paid revenue − the operator's 10 %, and the client's charge is provable against the root.
    await waitFor(
      'the charged epochs settled',
      async () => {
        const body = (await (await fetch(`${api}/swarm/epochs`)).json()) as {
          epochs: { epoch: number; state: string }[]
        }
        return epochs.every((n) => body.epochs.find((e) => e.epoch === n)?.state === 'settled')
      },
      90_000,
    )
    const { epochs: listed } = (await (await fetch(`${api}/swarm/epochs?limit=1000`)).json()) as {
      epochs: { epoch: number; state: string; rewardWei: string; depositWei: string }[]
    }
    const settled = await chain.getContractEvents({
      address: pool,
      abi: AgentRewardPool.abi,
      eventName: 'Settled',
      fromBlock: 0n,
    })
    for (const event of events) {
      const n = Number(event.args.epoch)
      const row = listed.find((e) => e.epoch === n) as { rewardWei: string; depositWei: string }
      const previous = listed.find((e) => e.epoch === n - 1)
      const carried = previous?.state === 'carried' ? BigInt(previous.rewardWei) : 0n
      assert.equal(BigInt(row.rewardWei), ETHER + carried + (event.args.total ?? 0n), `epoch ${n} revenue`)
      assert.equal(BigInt(row.depositWei), BigInt(row.rewardWei) - BigInt(row.rewardWei) / 10n)
      const paid = settled.filter((s) => Number(s.args.epoch) === n)
      assert.equal(paid.length, 1, `epoch ${n} settled once`)
      // The pool splits the deposit plus the rounding dust the settlement before it carried (AgentRewardPool).
      const before = settled.filter((s) => Number(s.args.epoch) < n).at(-1)
      assert.equal(
        paid[0]?.args.amount,
        BigInt(row.depositWei) + (before?.args.carried ?? 0n),
        `epoch ${n} deposit to the wei`,
      )
      const proven = (await (await fetch(`${api}/v1/epochs/${n}/charges?client=${client}`)).json()) as {
        charges: { amount: string; proof: string[] }[]
      }
      const mine = proven.charges[0] as { amount: string; proof: string[] }
      assert.equal(BigInt(mine.amount), event.args.total)
      assert.ok(
        verifyChargeProof(
          event.args.chargeRoot as string,
          { client, asset: 'coin', amount: BigInt(mine.amount) },
          mine.proof,
        ),
      )
    }
    // Every job has a client receipt once its epoch is sealed: valid, signed by the coordinator's sealing key,
    // its charge under the root JobEscrow.charge recorded; each epoch's sealed bundle verifies with its jobs.
    const { signer } = (await (await fetch(`${api}/v1/epochs`)).json()) as { signer: string }
    const receipts = new Map<string, Record<string, unknown>>()
    await waitFor(
      'a receipt of every job',
      async () => {
        for (const id of ids.filter((i) => !receipts.has(i))) {
          const response = await fetch(`${api}/v1/jobs/${id}/receipt`)
          if (response.status === 200) receipts.set(id, (await response.json()) as Record<string, unknown>)
          else assert.equal(response.status, 409, await response.text())
        }
        return receipts.size === ids.length
      },
      60_000,
    )
    const perEpoch = new Map<number, number>()
    for (const [id, receipt] of receipts) {
      const report = await verifyReceipt(receipt, { expectedSigner: signer })
      assert.equal(report.valid, true, JSON.stringify(report.checks.filter((c) => !c.ok)))
      const r = report.receipt as ClientReceipt
      const event = events.find((e) => Number(e.args.epoch) === r.epoch)
      assert.equal(r.charge.root, event?.args.chargeRoot, `job ${id}: the charge root is the on-chain one`)
      assert.equal(BigInt(r.charge.amount), event?.args.total)
      assert.equal(r.job.fee, list.jobs.find((j) => j.id === id)?.fee)
      perEpoch.set(r.epoch, (perEpoch.get(r.epoch) ?? 0) + 1)
    }
    for (const [n, count] of perEpoch) {
      const car = new Uint8Array(await (await fetch(`${api}/v1/epochs/${n}/car`)).arrayBuffer())
      const report = await verifyBundleCar(car, { expectedSigner: signer })
      assert.equal(report.valid, true, JSON.stringify(report.checks.filter((c) => !c.ok)))
      assert.equal(report.summary?.client_jobs?.count, count, `epoch ${n} seals its ${count} client jobs`)
    }
    assert.equal((await fetch(`${api}/v1/jobs/${'0'.repeat(32)}/receipt`)).status, 404)
    // The CLI verifies a receipt before it writes it.
    const out = join(dir, 'receipt.json')
    const cli = await runApiary(['job', 'receipt', ids[0] as string, '--coordinator-http', api, '--out', out])
    assert.equal(cli.code, 0, cli.stderr)
    assert.match(cli.stderr, /: VALID \(signed by 0x/)
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), receipts.get(ids[0] as string))

    // The operator's fee of every settled epoch (the delegate cut: revenue − deposit) reached its recipient,
    // to the wei; F1 has no protocol fee.
    await waitFor(
      'the operator paid the cut of every settled epoch',
      async () => {
        const body = (await (await fetch(`${api}/swarm/epochs?limit=1000`)).json()) as {
          epochs: { state: string; rewardWei: string; depositWei: string }[]
        }
        const cuts = body.epochs
          .filter((e) => e.state === 'settled')
          .reduce((sum, e) => sum + BigInt(e.rewardWei) - BigInt(e.depositWei), 0n)
        return cuts > 0n && (await chain.getBalance({ address: OPERATOR })) === cuts
      },
      60_000,
    )
    assert.equal(await chain.getBalance({ address: PROTOCOL }), 0n)
  } finally {
    stop.abort()
    await sending.catch(() => {})
    await Promise.all(agents.map((a) => a.close({ graceMs: 1000 })))
    await stopProcess(coordinator, 'SIGINT')
    await devnet.close()
  }
})
