import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { createPublicClient, createWalletClient, type Hex, hexToString, http } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { EpochRegistry } from '../src/chain/contracts.generated.ts'
import { createTraffic, startDevnet, writeKeystore } from '../src/chain/index.ts'
import { buildJobTree, buildReceipt, type JobRecord } from '../src/epoch/index.ts'
import { runApiary, startApiary, stopProcess } from './_harness/cli.ts'
import { freePort, Level, logger, SECRET, startAgent, waitFor, walletKeyOf } from './_harness/swarm.ts'

const abi = EpochRegistry.abi

test('sealing end to end (merkle settlement): a coordinator SIGKILLed while anchoring anchors every sealed epoch exactly once; bundles and receipts verify against the chain; agents claim their sealed payouts', {
  timeout: 300_000,
}, async () => {
  const devnet = await startDevnet({ logger }, { port: 0, accounts: 8 })
  const client = createPublicClient({ chain: devnet.chain, transport: http(devnet.url) })
  const dir = mkdtempSync(join(tmpdir(), 'apiary-sealing-'))
  const hotKey = generatePrivateKey()
  writeFileSync(join(dir, 'hot.pass'), 'hot wallet password\n')
  const { address: hot } = await writeKeystore({
    path: join(dir, 'hot.json'),
    password: 'hot wallet password',
    privateKey: Buffer.from(hotKey.slice(2), 'hex'),
  })
  const ops = join(dir, 'ops.key')
  writeFileSync(ops, `${devnet.accounts[6]?.privateKey}\n`, { mode: 0o600 })
  const deployed = await runApiary([
    'deploy',
    'epoch-registry',
    '--rpc',
    devnet.url,
    '--private-key-file',
    ops,
    '--coordinator',
    hot,
  ])
  assert.equal(deployed.code, 0, deployed.stderr)
  const registry = deployed.stdout.trim() as Hex
  const funded = await runApiary([
    'fund',
    '--rpc',
    devnet.url,
    '--private-key-file',
    ops,
    '--amount',
    '50ether',
    hot,
  ])
  assert.equal(funded.code, 0, funded.stderr)

  const port = await freePort()
  const datadir = join(dir, 'coordinator')
  const args = [
    'coordinator',
    ...['--rpc', devnet.url, '--datadir', datadir, '--master-secret', SECRET],
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
    ...['--hot-wallet-keystore', join(dir, 'hot.json'), '--hot-wallet-password-file', join(dir, 'hot.pass')],
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
  const anchoredEpochs = async () => {
    const logs = await client.getContractEvents({
      address: registry,
      abi,
      eventName: 'Sealed',
      fromBlock: 0n,
    })
    return logs
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
    await waitFor(
      '3 epochs anchored after the restart',
      async () => (await anchoredEpochs()).length >= 3,
      90_000,
    )
    stop.abort()
    await sending
    await Promise.all(agents.map((a) => a.close({ graceMs: 1000 })))
    await stopProcess(coordinator, 'SIGTERM')
  } finally {
    stop.abort()
    await Promise.all(agents.map((a) => a.close({ graceMs: 100 }).catch(() => undefined)))
    if (coordinator.exitCode === null && coordinator.signalCode === null)
      await stopProcess(coordinator, 'SIGKILL')
  }

  // Exactly one Sealed event per anchored epoch, each naming the bundle on disk.
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
  let claimed = 0n
  let expectedClaims = 0n
  for (const event of events) {
    const epoch = Number(event.args.epoch)
    const name = `epoch-${String(epoch).padStart(6, '0')}`
    assert.equal(hexToString(event.args.cid as Hex), index.epochs[name]?.cid)
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
    assert.equal(
      event.args.deposit,
      BigInt(summary.treasury.distributed),
      'the seal deposits what the bundle pays',
    )
    // A receipt of the first job verifies offline and against the anchor; a changed one does not.
    const jobs = JSON.parse(files['jobs.json'] as string).jobs as JobRecord[]
    const tree = buildJobTree(jobs)
    const receipt = buildReceipt({
      chainId: devnet.chainId,
      epoch,
      job: jobs[0] as JobRecord,
      proof: tree.proof(0),
      jobRoot: tree.root,
      seal: files['SIGNATURE.txt'] as string,
      cid: index.epochs[name]?.cid ?? null,
      anchor: {
        registry: registry.toLowerCase(),
        tx_hash: event.transactionHash,
        block: Number(event.blockNumber),
      },
    })
    const receiptFile = join(dir, `receipt-${epoch}.json`)
    writeFileSync(receiptFile, JSON.stringify(receipt))
    const ok = await runApiary(['verify', 'receipt', receiptFile, '--rpc', devnet.url])
    assert.equal(ok.code, 0, ok.stdout + ok.stderr)
    writeFileSync(
      receiptFile,
      JSON.stringify({ ...receipt, job: { ...receipt.job, matched: !receipt.job.matched } }),
    )
    const bad = await runApiary(['verify', 'receipt', receiptFile, '--json'])
    assert.equal(bad.code, 1)
    assert.ok(
      JSON.parse(bad.stdout).checks.some((c: { code?: string }) => c.code === 'APIARY_RECEIPT_PROOF_INVALID'),
    )
    // Each agent claims its sealed payout with the proof from agents.json.
    const payouts = JSON.parse(files['agents.json'] as string).payouts as {
      address: string
      amount: string
      proof: Hex[]
    }[]
    for (const id of ids) {
      const account = privateKeyToAccount(walletKeyOf(id))
      const payout = payouts.find((p) => p.address === account.address.toLowerCase())
      if (payout === undefined) continue
      expectedClaims += BigInt(payout.amount)
      const wallet = createWalletClient({ account, chain: devnet.chain, transport: http(devnet.url) })
      const hash = await wallet.writeContract({
        address: registry,
        abi,
        functionName: 'claim',
        args: [BigInt(epoch), BigInt(payout.amount), payout.proof],
      })
      const receiptTx = await client.waitForTransactionReceipt({ hash })
      assert.equal(receiptTx.status, 'success')
      claimed += BigInt(payout.amount)
    }
  }
  assert.ok(expectedClaims > 0n, 'the agents earned something')
  assert.equal(claimed, expectedClaims)
  await devnet.close()
})
