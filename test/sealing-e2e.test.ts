import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { createPublicClient, type Hex, hexToString, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { EpochRegistry } from '../src/chain/contracts.generated.ts'
import { createTraffic, startDevnet } from '../src/chain/index.ts'
import type { JobRecord } from '../src/epoch/index.ts'
import { deployWithHotWallet, runApiary, startApiary, stopProcess } from './_harness/cli.ts'
import { DIALECTS, storeLocation } from './_harness/postgres.ts'
import { freePort, Level, logger, SECRET, startAgent, waitFor, walletKeyOf } from './_harness/swarm.ts'

const abi = EpochRegistry.abi
// biome-ignore lint/suspicious/noExplicitAny: the assertions read the API's JSON answers
type Json = Record<string, any>

/** Fresh addresses (nothing else pays them) for the operator's and the protocol's fees. */
const OPERATOR = '0x00000000000000000000000000000000000fee03'
const PROTOCOL = '0x00000000000000000000000000000000000fee04'

for (const dialect of DIALECTS)
  test(`sealing end to end (merkle settlement, ${dialect}): a coordinator SIGKILLed while anchoring anchors every sealed epoch exactly once; bundles and receipts verify against the chain; agents claim their sealed payouts`, {
    timeout: 300_000,
  }, async () => {
    // Interval mining: pending transactions are pre-confirmation work, the only chain work that earns.
    const devnet = await startDevnet({ logger }, { port: 0, accounts: 8, blockTime: 1 })
    const client = createPublicClient({ chain: devnet.chain, transport: http(devnet.url) })
    const dir = mkdtempSync(join(tmpdir(), 'apiary-sealing-'))
    const { contract: registry, hotWalletFlags } = await deployWithHotWallet(devnet, dir, 'epoch-registry')

    const port = await freePort()
    const datadir = join(dir, 'coordinator')
    const location = await storeLocation(dialect, join(datadir, 'coordinator.db'))
    const args = [
      'coordinator',
      ...['--rpc', devnet.url, '--datadir', datadir, '--master-secret', SECRET],
      ...('url' in location ? ['--database', location.url] : []),
      ...['--grpc-port', String(port), '--http-port', '0', '--confirmations', '0', '--poll-ms', '100'],
      ...[
        '--epoch-seconds',
        '3',
        '--epoch-reward',
        '1ether',
        '--settlement',
        'merkle',
        '--epoch-registry',
        registry,
      ],
      ...hotWalletFlags,
      ...['--operator-recipient', OPERATOR, '--protocol-recipient', PROTOCOL],
      ...['--log-level', 'info'],
    ]
    let killedWhileAnchoring: number | undefined
    const killOnAnchoring = (line: string, child: ChildProcess) => {
      if (killedWhileAnchoring === undefined && line.includes('anchoring an epoch')) {
        killedWhileAnchoring = (JSON.parse(line) as { epoch: number }).epoch
        child.kill('SIGKILL')
      }
    }
    let coordinator = await startApiary(args, { ready: 'coordinator  grpc', onLine: killOnAnchoring })
    const ids = ['se-l3-aa', 'se-l3-bbb']
    const agents = ids.map((id) => startAgent(`http://127.0.0.1:${port}`, id, Level.L3))
    const traffic = createTraffic(
      { logger },
      { rpcUrl: devnet.url, chainId: devnet.chainId, accounts: devnet.accounts.slice(4, 6), seed: 7 },
    )
    const stop = new AbortController()
    const anchoredEpochs = async (toBlock?: bigint) => {
      const logs = await client.getContractEvents({
        address: registry,
        abi,
        eventName: 'Sealed',
        fromBlock: 0n,
        toBlock,
      })
      return logs
    }
    /** With the coordinator serving: the anchored epochs over HTTP and with only the CLI. */
    const summaries = new Map<number, { canaries: Record<string, string | number | null> }>()
    async function checkSealedEpochs(output: string) {
      const http = /http (http:\/\/\S+)/.exec(output)?.[1] as string
      const get = async (path: string) => {
        const response = await fetch(new URL(path, http))
        return { status: response.status, body: (await response.json()) as Json }
      }
      const post = async (body: string) => {
        const response = await fetch(new URL('/v1/verify', http), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        })
        return { status: response.status, body: (await response.json()) as Json }
      }
      // Exactly one Sealed event per anchored epoch, each naming the bundle on disk and in the API.
      const events = await anchoredEpochs()
      const epochs = events.map((e) => Number(e.args.epoch))
      assert.deepEqual(
        epochs,
        [...new Set(epochs)].sort((a, b) => a - b),
        'each epoch anchored once, in order',
      )
      assert.ok(killedWhileAnchoring !== undefined && epochs.includes(killedWhileAnchoring))
      const epochsDir = join(datadir, 'epochs')
      const index = JSON.parse(readFileSync(join(epochsDir, 'index.json'), 'utf8')) as {
        epochs: Record<string, { cid: string; job_root: string }>
      }
      const listed = await runApiary([
        'epoch',
        'list',
        '--coordinator-http',
        http,
        '--limit',
        '1000',
        '--json',
      ])
      assert.equal(listed.code, 0, listed.stderr)
      const list = JSON.parse(listed.stdout) as { epochs: { epoch: number; state: string }[] }
      assert.deepEqual(
        list.epochs
          .filter((e) => e.state === 'anchored' && e.epoch <= (epochs[epochs.length - 1] as number))
          .map((e) => e.epoch)
          .sort((a, b) => a - b),
        epochs,
        '/v1/epochs lists the anchored epochs (later ones may have been anchored since)',
      )
      let claimed = 0n
      let expectedClaims = 0n
      for (const event of events) {
        const epoch = Number(event.args.epoch)
        const name = `epoch-${String(epoch).padStart(6, '0')}`
        assert.equal(hexToString(event.args.cid as Hex), index.epochs[name]?.cid)
        const view = (await get(`/v1/epochs/${epoch}`)).body
        assert.equal(view.seal.cid, index.epochs[name]?.cid)
        assert.equal(view.seal.anchor.txHash, event.transactionHash)
        assert.equal(view.summary.jobs.merkle_root, event.args.jobRoot)
        // Offline and against the anchor, with only the CLI: the directory and the CAR.
        for (const path of [join(epochsDir, name), join(epochsDir, `${name}.car`)]) {
          const verified = await runApiary(['verify', 'bundle', path, '--rpc', devnet.url, '--json'])
          assert.equal(verified.code, 0, verified.stdout + verified.stderr)
          const report = JSON.parse(verified.stdout) as {
            valid: boolean
            cid: string
            checks: { id: string; ok: boolean }[]
          }
          assert.equal(report.cid, index.epochs[name]?.cid)
          assert.ok(report.checks.some((c) => c.id === 'anchor' && c.ok))
        }
        const files = Object.fromEntries(
          readdirSync(join(epochsDir, name)).map((f) => [f, readFileSync(join(epochsDir, name, f), 'utf8')]),
        )
        const summary = JSON.parse(files['SUMMARY.json'] as string)
        summaries.set(epoch, summary)
        assert.equal(
          event.args.deposit,
          BigInt(summary.treasury.distributed),
          'the seal deposits what the bundle pays',
        )
        // The jobs, page by page, are jobs.json's; the agents and the signature are the files'.
        const jobs = JSON.parse(files['jobs.json'] as string).jobs as JobRecord[]
        const paged: JobRecord[] = []
        for (let after = ''; ; ) {
          const page = (await get(`/v1/epochs/${epoch}/jobs?limit=7${after === '' ? '' : `&after=${after}`}`))
            .body
          assert.equal(page.total, jobs.length)
          paged.push(...page.jobs)
          if (page.next === null) break
          after = page.next
        }
        assert.deepEqual(paged, jobs)
        const mine = jobs.filter((j) => j.agent === jobs[0]?.agent)
        assert.deepEqual(
          (await get(`/v1/epochs/${epoch}/jobs?limit=1000&agent=${jobs[0]?.agent}`)).body.jobs,
          mine,
        )
        assert.deepEqual(
          (await get(`/v1/epochs/${epoch}/agents`)).body,
          JSON.parse(files['agents.json'] as string),
        )
        assert.equal((await get(`/v1/epochs/${epoch}/signature`)).body.file, files['SIGNATURE.txt'])
        assert.equal((await get(`/v1/epochs/${epoch}/ipfs`)).body.cid, index.epochs[name]?.cid)
        // A receipt from the API verifies offline and against the anchor, in the CLI and POST /v1/verify; a
        // changed one does not.
        const last = jobs[jobs.length - 1] as JobRecord
        const receipt = (await get(`/v1/jobs/${last.id}/receipt`)).body
        assert.deepEqual(receipt.job, last)
        assert.deepEqual(receipt.anchor, {
          registry: registry.toLowerCase(),
          tx_hash: event.transactionHash,
          block: Number(event.blockNumber),
        })
        const receiptFile = join(dir, `receipt-${epoch}.json`)
        writeFileSync(receiptFile, JSON.stringify(receipt))
        const ok = await runApiary(['verify', 'receipt', receiptFile, '--rpc', devnet.url])
        assert.equal(ok.code, 0, ok.stdout + ok.stderr)
        const served = (await post(JSON.stringify(receipt))).body
        assert.equal(served.valid, true, JSON.stringify(served))
        assert.ok(served.checks.some((c: { id: string; ok: boolean }) => c.id === 'anchor' && c.ok))
        const tampered = JSON.stringify({
          ...receipt,
          job: { ...receipt.job, matched: !receipt.job.matched },
        })
        writeFileSync(receiptFile, tampered)
        const bad = await runApiary(['verify', 'receipt', receiptFile, '--json'])
        assert.equal(bad.code, 1)
        const proofInvalid = (c: { code?: string }) => c.code === 'APIARY_RECEIPT_PROOF_INVALID'
        assert.ok(JSON.parse(bad.stdout).checks.some(proofInvalid))
        const rejected = (await post(tampered)).body
        assert.equal(rejected.valid, false)
        assert.ok(rejected.checks.some(proofInvalid))
        // Each agent claims its sealed payout with only the CLI: the proof from the API (or from an exported
        // bundle for the first epoch), the registry from the bundle.
        const payouts = JSON.parse(files['agents.json'] as string).payouts as {
          address: string
          amount: string
        }[]
        const source =
          epoch === epochs[0] ? ['--bundle', join(dir, 'exported', name)] : ['--coordinator-http', http]
        if (epoch === epochs[0]) {
          const exported = await runApiary([
            'epoch',
            'export',
            String(epoch),
            '--out',
            join(dir, 'exported'),
            '--coordinator-http',
            http,
          ])
          assert.equal(exported.code, 0, exported.stdout + exported.stderr)
          assert.deepEqual(readdirSync(join(dir, 'exported')).sort(), [name, `${name}.car`])
          const shown = await runApiary(['epoch', 'show', String(epoch), '--coordinator-http', http])
          assert.equal(shown.code, 0, shown.stderr)
          assert.match(
            shown.stdout,
            new RegExp(`anchored in ${registry.toLowerCase()}, tx ${event.transactionHash}`),
          )
        }
        for (const id of ids) {
          const key = walletKeyOf(id)
          const account = privateKeyToAccount(key)
          const payout = payouts.find((p) => p.address === account.address.toLowerCase())
          if (payout === undefined) continue
          expectedClaims += BigInt(payout.amount)
          const keyFile = join(dir, `${id}.key`)
          writeFileSync(keyFile, `${key}\n`, { mode: 0o600 })
          const claim = [
            'claim',
            '--rpc',
            devnet.url,
            '--epoch',
            String(epoch),
            '--private-key-file',
            keyFile,
            ...source,
            '--json',
          ]
          if (epoch === epochs[0]) {
            // A payout one wei larger than the bundle's is refused by the simulation, before any gas is spent;
            // a bundle of another epoch is refused before the chain is asked.
            const forged = join(dir, 'forged', name)
            mkdirSync(forged, { recursive: true })
            for (const f of Object.keys(files)) writeFileSync(join(forged, f), files[f] as string)
            const agentsFile = JSON.parse(files['agents.json'] as string)
            for (const p of agentsFile.payouts)
              if (p.address === payout.address) p.amount = String(BigInt(p.amount) + 1n)
            writeFileSync(join(forged, 'agents.json'), JSON.stringify(agentsFile))
            const greedy = await runApiary([...claim.slice(0, 7), '--bundle', forged])
            assert.equal(greedy.code, 1, greedy.stdout + greedy.stderr)
            assert.match(greedy.stderr, /InvalidProof.*APIARY_CLAIM_REJECTED/)
            const wrong = await runApiary([
              ...claim.slice(0, 4),
              String(epoch + 1),
              ...claim.slice(5, 7),
              '--bundle',
              forged,
            ])
            assert.equal(wrong.code, 2, wrong.stdout + wrong.stderr)
            assert.match(wrong.stderr, /APIARY_BUNDLE_INVALID/)
          }
          const done = await runApiary(claim)
          assert.equal(done.code, 0, done.stdout + done.stderr)
          const outcome = JSON.parse(done.stdout) as { claimedWei: string; txHash: string }
          assert.equal(outcome.claimedWei, payout.amount)
          claimed += BigInt(outcome.claimedWei)
          const again = JSON.parse((await runApiary(claim)).stdout) as { alreadyClaimed: boolean }
          assert.equal(again.alreadyClaimed, true, 'a second claim sends nothing')
        }
      }
      assert.ok(expectedClaims > 0n, 'the agents earned something')
      assert.equal(claimed, expectedClaims)
      // The coordinator keeps sealing (and anchoring epochs scored late) meanwhile: compare at one block.
      const at = await client.getBlockNumber()
      const deposits = (await anchoredEpochs(at)).reduce((sum, e) => sum + (e.args.deposit as bigint), 0n)
      assert.equal(
        await client.getBalance({ address: registry, blockNumber: at }),
        deposits - claimed,
        'the registry pays out of the deposits exactly what was claimed',
      )
      // Each anchored epoch's operator and protocol fees (its SUMMARY's treasury) reached their recipients,
      // once, to the wei (compared at one block: the fees follow each anchor by a transaction).
      await waitFor(
        'the fees of every anchored epoch paid',
        async () => {
          const block = await client.getBlockNumber()
          let operator = 0n
          let protocol = 0n
          for (const event of await anchoredEpochs(block)) {
            const { treasury } = (await get(`/v1/epochs/${Number(event.args.epoch)}`)).body.summary as {
              treasury: { operator_fee: string; protocol_fee: string }
            }
            operator += BigInt(treasury.operator_fee)
            protocol += BigInt(treasury.protocol_fee)
          }
          return (
            operator > 0n &&
            (await client.getBalance({ address: OPERATOR, blockNumber: block })) === operator &&
            (await client.getBalance({ address: PROTOCOL, blockNumber: block })) === protocol
          )
        },
        30_000,
      )
      // Clear rejections: unknown epoch, an epoch not sealed yet, a bad job id, a bad receipt.
      assert.equal((await get('/v1/epochs/999999')).body.code, 'EPOCH_UNKNOWN')
      const open = (await get('/v1/epochs/current')).body.epoch as number
      const notSealed = await get(`/v1/epochs/${open}/jobs`)
      assert.deepEqual([notSealed.status, notSealed.body.code], [409, 'EPOCH_NOT_SEALED'])
      assert.equal((await get('/v1/jobs/not-a-job/receipt')).status, 400)
      assert.equal(
        (await get(`/v1/jobs/${String(epochs[0]).padStart(6, '0')}-99999999/receipt`)).body.code,
        'JOB_UNKNOWN',
      )
      const garbage = (await post('{"version":"apiary-receipt/1"}')).body
      assert.equal(garbage.valid, false)
      assert.equal(garbage.checks[0].code, 'APIARY_RECEIPT_INVALID')
      assert.equal((await post('{not json')).status, 400)
    }
    try {
      await traffic.setup()
      const sending = traffic.run({ tps: 20, signal: stop.signal })
      await waitFor(
        'the coordinator killed while anchoring',
        () => coordinator.signalCode === 'SIGKILL',
        90_000,
      )
      coordinator = await startApiary(args, { ready: 'coordinator  grpc' })
      const api = /http (http:\/\/\S+)/.exec(coordinator.output())?.[1] as string
      const openWhileRunning = (await (await fetch(`${api}/swarm/epoch`)).json()) as {
        epoch: number
        canaryCommitment: string
      }
      assert.match(openWhileRunning.canaryCommitment, /^0x[0-9a-f]{64}$/)
      await waitFor(
        '3 epochs anchored after the restart',
        async () => (await anchoredEpochs()).length >= 3,
        90_000,
      )
      stop.abort()
      await sending
      await Promise.all(agents.map((a) => a.close({ graceMs: 1000 })))
      await checkSealedEpochs(coordinator.output())
      // Canaries, committed and revealed: the commitment published while an epoch was open is the one its
      // bundle's seed hashes to (verify bundle checked that), and each bundle commits to the next epoch's.
      const sealed = [...summaries.keys()].sort((a, b) => a - b)
      assert.ok(
        sealed.some((n) => Number(summaries.get(n)?.canaries.count) > 0),
        'canaries were revealed',
      )
      for (const n of sealed)
        if (summaries.has(n + 1))
          assert.equal(summaries.get(n)?.canaries.next_commitment, summaries.get(n + 1)?.canaries.commitment)
      const published = summaries.get(openWhileRunning.epoch)
      if (published !== undefined)
        assert.equal(published.canaries.commitment, openWhileRunning.canaryCommitment)
      await stopProcess(coordinator, 'SIGTERM')
    } finally {
      stop.abort()
      await Promise.all(agents.map((a) => a.close({ graceMs: 100 }).catch(() => undefined)))
      if (coordinator.exitCode === null && coordinator.signalCode === null)
        await stopProcess(coordinator, 'SIGKILL')
      await devnet.close()
    }
  })
