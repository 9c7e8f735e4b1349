import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { sha256 } from '@noble/hashes/sha2.js'
import { privateKeyToAccount } from 'viem/accounts'
import {
  type AgentsFile,
  buildBundle,
  buildJobTree,
  bundleCar,
  canonicalJson,
  DEFAULT_PAYOUT_PARAMETERS,
  DEFAULT_WEIGHT_PARAMETERS,
  type JobRecord,
  jobCanonicalJson,
  jobLeaf,
  signBundle,
  verifyBundle,
  verifyReceipt,
} from './index.ts'

const vectors = join(import.meta.dirname, '..', '..', 'docs', 'spec', 'vectors')
const merkle = JSON.parse(readFileSync(join(vectors, 'epoch-merkle.json'), 'utf8'))
const bundle = JSON.parse(readFileSync(join(vectors, 'epoch-bundle.json'), 'utf8'))
const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`
const enc = new TextEncoder()

test('canonicalJson() gives the RFC 8785 §3.2.2 example output', () => {
  const input = JSON.parse(
    '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
  )
  assert.equal(
    canonicalJson(input),
    '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
  )
})

test('the job-tree vector: canonical forms, leaves, roots and every proof', () => {
  for (const { job, canonical, leaf } of merkle.jobs) {
    assert.equal(jobCanonicalJson(job), canonical)
    assert.equal(canonicalJson(job), canonical)
    assert.equal(hex(jobLeaf(job)), leaf)
  }
  const jobs: JobRecord[] = merkle.jobs.map((j: { job: JobRecord }) => j.job)
  assert.equal(buildJobTree([]).root, merkle.empty_root)
  for (const t of merkle.trees) {
    const tree = buildJobTree(jobs.slice(0, t.count))
    assert.equal(tree.root, t.root)
    for (let i = 0; i < t.count; i++) assert.deepEqual(tree.proof(i), t.proofs[i])
  }
})

test('the job-tree vector re-derived by a second implementation (noble sha256, no code of ours)', () => {
  const leaves = merkle.jobs.map((j: { canonical: string }) =>
    sha256(Buffer.concat([Buffer.from([0]), enc.encode(j.canonical)])),
  )
  for (const t of merkle.trees) {
    let level: Uint8Array[] = leaves.slice(0, t.count)
    while (level.length > 1) {
      const next: Uint8Array[] = []
      for (let i = 0; i + 1 < level.length; i += 2)
        next.push(
          sha256(Buffer.concat([Buffer.from([1]), level[i] as Uint8Array, level[i + 1] as Uint8Array])),
        )
      if (level.length % 2 === 1) next.push(level[level.length - 1] as Uint8Array)
      level = next
    }
    assert.equal(hex(level[0] as Uint8Array), t.root, `tree of ${t.count}`)
  }
})

test('the bundle vector: it verifies, rebuilds and re-signs to the same bytes, and has the same CID and CAR', async () => {
  const files = Object.fromEntries(
    Object.entries(bundle.files as Record<string, string>).map(([n, t]) => [n, enc.encode(t)]),
  )
  const report = await verifyBundle(files, { expectedCid: bundle.cid, expectedSigner: bundle.signer })
  assert.equal(report.valid, true, JSON.stringify(report.checks.filter((c) => !c.ok)))
  const summary = JSON.parse(bundle.files['SUMMARY.json'])
  const agents = JSON.parse(bundle.files['agents.json'])
  const signer = privateKeyToAccount(bundle.sealing_key)
  const rebuilt = await signBundle(
    buildBundle({
      chainId: summary.chain_id,
      epoch: summary.epoch,
      startedAt: Date.parse(summary.start_time),
      closedAt: Date.parse(summary.end_time),
      blocks: summary.blocks,
      jobs: JSON.parse(bundle.files['jobs.json']).jobs,
      agents: agents.agents.map((a: AgentsFile['agents'][number]) => ({
        agentId: a.agent_id,
        address: a.address,
        uptimeSeconds: a.uptime_seconds,
        canariesSkipped: a.canaries_skipped,
        excluded: a.excluded,
      })),
      revenue: BigInt(summary.treasury.revenue),
      weights: DEFAULT_WEIGHT_PARAMETERS,
      payouts: DEFAULT_PAYOUT_PARAMETERS,
      coordinator: signer.address,
      registry: summary.registry,
      canaries: {
        seed: summary.canaries.seed,
        nextCommitment: summary.canaries.next_commitment,
        list: JSON.parse(bundle.files['jobs.json']).canaries,
      },
      clientJobs: JSON.parse(bundle.files['jobs.json']).client_jobs,
    }),
    signer,
  )
  for (const [name, text] of Object.entries(bundle.files as Record<string, string>))
    assert.equal(Buffer.from(rebuilt.files[name as keyof typeof rebuilt.files]).toString('utf8'), text, name)
  const { cid, car } = await bundleCar(rebuilt.dir, rebuilt.files)
  assert.equal(cid, bundle.cid)
  assert.equal(car.length, bundle.car_bytes)
  assert.equal(`sha256:${Buffer.from(sha256(car)).toString('hex')}`, bundle.car_sha256)
  const receipt = await verifyReceipt(bundle.receipt, { expectedSigner: bundle.signer })
  assert.equal(receipt.valid, true, JSON.stringify(receipt.checks))
  const client = await verifyReceipt(bundle.client_receipt, { expectedSigner: bundle.signer })
  assert.equal(client.valid, true, JSON.stringify(client.checks))
  assert.deepEqual(
    client.checks.map((c) => c.id),
    ['receipt', 'job', 'proof', 'summary', 'charge', 'seal', 'signature', 'signer'],
  )
})

test('the version 2 bundle vector (before client jobs) still verifies, with its receipt', async () => {
  const v2 = JSON.parse(readFileSync(join(vectors, 'epoch-bundle-v2.json'), 'utf8'))
  const files = Object.fromEntries(
    Object.entries(v2.files as Record<string, string>).map(([n, t]) => [n, enc.encode(t)]),
  )
  const report = await verifyBundle(files, { expectedCid: v2.cid, expectedSigner: v2.signer })
  assert.equal(report.valid, true, JSON.stringify(report.checks.filter((c) => !c.ok)))
  assert.equal(report.summary?.version, 'apiary-epoch-bundle/2')
  assert.equal((await verifyReceipt(v2.receipt)).valid, true)
  // A version 2 summary with client jobs added is neither version.
  const jobsFile = JSON.parse(v2.files['jobs.json'])
  jobsFile.client_jobs = []
  files['jobs.json'] = enc.encode(canonicalJson(jobsFile))
  const mixed = await verifyBundle(files)
  assert.equal(mixed.checks.find((c) => c.id === 'jobs')?.code, 'APIARY_BUNDLE_JOBS_INVALID')
})

test("bundleCar() gives Kubo's CID for its planets/ directory (ipfs add -r --cid-version=1)", async () => {
  const { files, cid } = bundle.kubo_planets
  const encoded = Object.fromEntries(
    Object.entries(files as Record<string, string>).map(([n, t]) => [n, enc.encode(t)]),
  )
  assert.equal((await bundleCar('planets', encoded)).cid, cid)
})

test('the canary reveal: a seed other than the committed one, or a canary not signed by its key, fails the canaries check', async () => {
  const jobsFile = JSON.parse(bundle.files['jobs.json'])
  const summary = JSON.parse(bundle.files['SUMMARY.json'])
  const check = async (jobs: unknown, sum: unknown) => {
    const files = {
      ...Object.fromEntries(
        Object.entries(bundle.files as Record<string, string>).map(([n, t]) => [n, enc.encode(t)]),
      ),
      'jobs.json': enc.encode(JSON.stringify(jobs)),
      'SUMMARY.json': enc.encode(JSON.stringify(sum)),
    }
    return (await verifyBundle(files)).checks.find((c) => c.id === 'canaries')
  }
  assert.equal((await check(jobsFile, summary))?.ok, true)
  const otherIndex = { ...jobsFile, canaries: [{ ...jobsFile.canaries[0], index: 6 }] }
  const wrongKey = await check(otherIndex, summary)
  assert.equal(wrongKey?.ok, false)
  assert.equal(wrongKey?.code, 'APIARY_BUNDLE_CANARIES_INVALID')
  assert.match(wrongKey?.message ?? '', /not by canary key 6/)
  const otherSeed = { ...summary, canaries: { ...summary.canaries, seed: `0x${'44'.repeat(32)}` } }
  assert.match((await check(jobsFile, otherSeed))?.message ?? '', /does not hash to the commitment/)
})
