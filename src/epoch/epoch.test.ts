import assert from 'node:assert/strict'
import { hash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import fc from 'fast-check'
import { privateKeyToAccount } from 'viem/accounts'
import {
  binomialTail,
  buildChargeTree,
  buildJobTree,
  buildPayoutTree,
  buildReceipt,
  bundleCar,
  canarySkipsDeliberate,
  canonicalJson,
  computePayouts,
  formatSealMessage,
  formatSignatureFile,
  type JobRecord,
  jobCanonicalJson,
  jobLeaf,
  jobProofRoot,
  type PayoutParameters,
  proofOfExecution,
  sha256Tag,
  TASK_POINTS,
  taskPoints,
  verifyBundle,
  verifyBundleCar,
  verifyChargeProof,
  verifyPayoutProof,
  verifyReceipt,
} from './index.ts'

const vector = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'spec', 'vectors', 'epoch-bundle.json'), 'utf8'),
)
const enc = new TextEncoder()
const vectorFiles = () =>
  Object.fromEntries(
    Object.entries(vector.files as Record<string, string>).map(([n, t]) => [n, enc.encode(t)]),
  ) as Record<string, Uint8Array>
const jobs: JobRecord[] = JSON.parse(vector.files['jobs.json']).jobs
const hexChar = fc.constantFrom(...'0123456789abcdef')
const hexString = (n: number) => fc.string({ unit: hexChar, minLength: n, maxLength: n }).map((s) => `0x${s}`)
const iso = fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => new Date(ms).toISOString())
const jobArbitrary: fc.Arbitrary<JobRecord> = fc.record({
  id: fc
    .tuple(fc.integer({ min: 1, max: 999_999 }), fc.integer({ min: 1, max: 99_999_999 }))
    .map(([e, s]) => `${String(e).padStart(6, '0')}-${String(s).padStart(8, '0')}`),
  type: fc.constantFrom('tx.validate.l1', 'tx.validate.l4', 'job.render'),
  agent: hexString(40),
  agent_id: fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/),
  source: fc.record({
    chain_id: fc.nat(),
    block: fc.nat(),
    tx_hash: hexString(64),
    tx_index: fc.nat({ max: 10_000 }),
  }),
  fee: fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String),
  execution_ms: fc.nat(),
  poe_hash: hexString(64),
  submitted_at: iso,
  completed_at: iso,
  verdict: fc.constantFrom('valid', 'invalid', 'error'),
  matched: fc.boolean(),
  kind: fc.constantFrom('preconfirmation', 'canary', 'history'),
  committed_at: iso,
  block_seen_at: fc.option(iso, { nil: null }),
  block_absent_at: fc.option(iso, { nil: null }),
})

test('jobCanonicalJson() equals the RFC 8785 library output for any valid job record', () => {
  fc.assert(
    fc.property(jobArbitrary, (job) => jobCanonicalJson(job) === canonicalJson(job)),
    { numRuns: 500 },
  )
})

test('proofOfExecution() is sha256 of the RFC 8785 form of {agent, input, result} digests', () => {
  const input = enc.encode('witness')
  const result = enc.encode('result')
  const digest = (b: Uint8Array) => `0x${hash('sha256', b, 'hex')}`
  const expected = `0x${hash('sha256', canonicalJson({ result: digest(result), agent: `0x${'ab'.repeat(20)}`, input: digest(input) }), 'hex')}`
  assert.equal(proofOfExecution({ input, result, agent: `0x${'AB'.repeat(20)}` }), expected)
  assert.equal(
    proofOfExecution({ input: digest(input) as `0x${string}`, result, agent: `0x${'ab'.repeat(20)}` }),
    expected,
  )
})

test('buildJobTree(): every proof of every tree size 1..70 leads to the root; a changed job or step does not', () => {
  for (let n = 1; n <= 70; n++) {
    const list = Array.from({ length: n }, (_, i) => ({
      ...(jobs[i % jobs.length] as JobRecord),
      execution_ms: i,
    }))
    const tree = buildJobTree(list)
    for (let i = 0; i < n; i++) {
      const proof = tree.proof(i)
      assert.equal(jobProofRoot(list[i] as JobRecord, proof), tree.root, `n=${n} i=${i}`)
      assert.notEqual(
        jobProofRoot({ ...(list[i] as JobRecord), matched: !list[i]?.matched }, proof),
        tree.root,
      )
      if (proof.length > 0) {
        const flipped = proof.map((s, k) =>
          k === 0 ? { ...s, position: s.position === 'left' ? 'right' : 'left' } : s,
        )
        assert.notEqual(jobProofRoot(list[i] as JobRecord, flipped as typeof proof), tree.root)
      }
    }
  }
})

test('buildJobTree(): the odd node is promoted, so [a, b, c] and [a, b, c, c] have different roots', () => {
  const [a, b, c] = jobs as [JobRecord, JobRecord, JobRecord]
  const node = (l: Uint8Array, r: Uint8Array) =>
    hash('sha256', Buffer.concat([Buffer.from([1]), l, r]), 'buffer')
  const expected = `0x${node(node(jobLeaf(a), jobLeaf(b)), jobLeaf(c)).toString('hex')}`
  assert.equal(buildJobTree([a, b, c]).root, expected)
  assert.notEqual(buildJobTree([a, b, c, c]).root, expected)
  assert.equal(buildJobTree([a, b, c]).proof(2).length, 1)
})

const params = fc
  .record({
    model: fc.constantFrom<PayoutParameters['model']>('pools', 'f1'),
    operatorFeeBps: fc.integer({ min: 0, max: 5000 }),
    protocolFeeBps: fc.integer({ min: 0, max: 5000 }),
    workPoolBps: fc.integer({ min: 0, max: 10_000 }),
  })
  .map((p) => ({ ...p, readinessPoolBps: 10_000 - p.workPoolBps }))
const payoutInputs = fc.array(
  fc.record({
    address: fc.constantFrom(
      ...Array.from({ length: 12 }, (_, i) => `0x${String(i).repeat(40).slice(0, 40)}`),
    ),
    weight: fc.bigInt({ min: 0n, max: 10n ** 9n }),
    uptimeSeconds: fc.nat({ max: 86_400 }),
  }),
  { maxLength: 40 },
)

test('computePayouts(): payouts + fees + undistributed = revenue exactly, for random inputs (property)', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 10n ** 27n }), payoutInputs, params, (revenue, inputs, p) => {
      const { payouts, treasury: t } = computePayouts(revenue, inputs, p)
      const paid = payouts.reduce((s, x) => s + x.amount, 0n)
      assert.equal(paid, t.distributed)
      assert.equal(t.distributed + t.operatorFee + t.protocolFee + t.undistributed, revenue)
      assert.ok(payouts.every((x) => x.amount >= 0n && x.amount === x.workShare + x.readinessShare))
      const eligible = inputs.some((i) => i.weight > 0n)
      if (p.model === 'pools')
        assert.equal(t.undistributed, eligible ? 0n : revenue - t.operatorFee - t.protocolFee)
      else assert.ok(t.undistributed < BigInt(Math.max(1, payouts.length)) || !eligible)
      for (const x of payouts)
        if (inputs.filter((i) => i.address === x.address).every((i) => i.weight === 0n))
          assert.equal(x.amount, 0n)
    }),
    { numRuns: 1000 },
  )
})

test('computePayouts(): fees first, 70/30 pools, largest remainder with ties to the lower address', () => {
  const addr = (c: string) => `0x${c.repeat(40)}`
  const { payouts, treasury } = computePayouts(
    1000n,
    [
      { address: addr('c'), weight: 1n, uptimeSeconds: 10 },
      { address: addr('a'), weight: 1n, uptimeSeconds: 10 },
      { address: addr('b'), weight: 1n, uptimeSeconds: 10 },
    ],
    { model: 'pools', operatorFeeBps: 500, protocolFeeBps: 200, workPoolBps: 7000, readinessPoolBps: 3000 },
  )
  assert.deepEqual(
    {
      op: treasury.operatorFee,
      proto: treasury.protocolFee,
      work: treasury.workPool,
      ready: treasury.readinessPool,
    },
    { op: 50n, proto: 20n, work: 651n, ready: 279n },
  )
  // 651 / 3 = 217 each; 279 / 3 = 93 each: no remainder. 1000 − 70 = 930 = 3 × 310.
  assert.deepEqual(
    payouts.map((p) => p.amount),
    [310n, 310n, 310n],
  )
  const odd = computePayouts(
    100n,
    ['c', 'a', 'b'].map((c) => ({ address: addr(c), weight: 1n, uptimeSeconds: 0 })),
    { model: 'pools', operatorFeeBps: 0, protocolFeeBps: 0, workPoolBps: 10_000, readinessPoolBps: 0 },
  )
  assert.deepEqual(
    odd.payouts.map((p) => [p.address.slice(2, 3), p.amount]),
    [
      ['a', 34n],
      ['b', 33n],
      ['c', 33n],
    ],
  )
  assert.throws(
    () =>
      computePayouts(1n, [], {
        model: 'pools',
        operatorFeeBps: 0,
        protocolFeeBps: 0,
        workPoolBps: 7000,
        readinessPoolBps: 2000,
      }),
    /APIARY|add up/,
  )
})

test('buildChargeTree(): the spec vector (docs/spec/jobs.md#test-vectors); each proof verifies for its own leaf only', () => {
  const a = {
    client: '0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
    asset: 'coin' as const,
    amount: 3n * 10n ** 15n,
  }
  const b = {
    client: '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc',
    asset: 'coin' as const,
    amount: 10n ** 15n,
  }
  const tree = buildChargeTree([a, b])
  assert.equal(tree.root, '0x761bbc7a5e5621a06ea7742ba0c46982292f7260473e381a0f89029913952234')
  assert.deepEqual(tree.proof(a.client), [
    '0x832780bce1d3662a01c7f9db8d4a39e64922995b4982bc367270da94ae23cc69',
  ])
  for (const leaf of [a, b]) {
    assert.ok(verifyChargeProof(tree.root, leaf, tree.proof(leaf.client)))
    assert.ok(!verifyChargeProof(tree.root, { ...leaf, amount: leaf.amount + 1n }, tree.proof(leaf.client)))
    assert.ok(!verifyChargeProof(tree.root, { ...leaf, asset: 'token' }, tree.proof(leaf.client)))
  }
  assert.throws(() => buildChargeTree([a, a]), /two coin charge leaves/)
  assert.equal(buildChargeTree([]).root, `0x${'00'.repeat(32)}`)
})

test('buildPayoutTree(): every proof verifies for its own amount only', () => {
  const leaves = Array.from({ length: 9 }, (_, i) => ({
    account: `0x${String(i + 1).repeat(40)}`,
    amount: BigInt(i + 1) * 10n ** 15n,
  }))
  const tree = buildPayoutTree(leaves)
  for (const leaf of leaves) {
    assert.equal(verifyPayoutProof(tree.root, leaf, tree.proof(leaf.account)), true)
    assert.equal(
      verifyPayoutProof(tree.root, { ...leaf, amount: leaf.amount + 1n }, tree.proof(leaf.account)),
      false,
    )
  }
  assert.throws(() => buildPayoutTree([leaves[0], leaves[0]] as never), /two payout leaves/)
})

/** Positions spread over a file: first, last, and every step-th byte. */
const positions = (length: number, count: number) => {
  const step = Math.max(1, Math.floor(length / count))
  return [...new Set([0, length - 1, ...Array.from({ length: count }, (_, i) => i * step)])].filter(
    (p) => p < length,
  )
}

test('verifyBundle(): changing any sampled byte of any file fails, with the check of that file', async () => {
  const expectedFailure: Record<string, string[]> = {
    'SUMMARY.json': ['seal-files'],
    'jobs.json': ['seal-files', 'hash:jobs.json'],
    'agents.json': ['seal-files', 'hash:agents.json'],
    'SIGNATURE.txt': ['signature'],
  }
  for (const name of Object.keys(expectedFailure)) {
    const original = vectorFiles()[name] as Uint8Array
    for (const at of positions(original.length, 60)) {
      const files = vectorFiles()
      const bytes = Uint8Array.from(original)
      bytes[at] = (bytes[at] as number) ^ 0x01
      files[name] = bytes
      const report = await verifyBundle(files)
      assert.equal(report.valid, false, `${name} byte ${at}`)
      const failed = report.checks.filter((c) => !c.ok).map((c) => c.id)
      assert.ok(
        expectedFailure[name]?.every((id) => failed.includes(id)),
        `${name} byte ${at}: failed ${failed.join(', ')}`,
      )
    }
  }
})

test('verifyBundle(): a consistent forgery (jobs changed and SUMMARY rehashed) fails on the signature and roots', async () => {
  const files = vectorFiles()
  const jobsFile = JSON.parse(vector.files['jobs.json'])
  jobsFile.jobs[0].matched = !jobsFile.jobs[0].matched
  const jobsText = canonicalJson(jobsFile)
  files['jobs.json'] = enc.encode(jobsText)
  const summary = JSON.parse(vector.files['SUMMARY.json'])
  summary.files['jobs.json'] = `sha256:${hash('sha256', jobsText, 'hex')}`
  files['SUMMARY.json'] = enc.encode(canonicalJson(summary))
  const report = await verifyBundle(files)
  const failed = new Map(report.checks.filter((c) => !c.ok).map((c) => [c.id, c.code]))
  assert.equal(failed.get('job-root'), 'APIARY_BUNDLE_JOB_ROOT_MISMATCH')
  assert.equal(failed.get('job-counts'), 'APIARY_BUNDLE_JOB_COUNT_MISMATCH')
  assert.equal(failed.get('seal-text'), 'APIARY_BUNDLE_SEAL_TEXT_MISMATCH')
  assert.equal(failed.has('hash:jobs.json'), false)
})

test('verifyBundle(): missing and extra files, and a signer other than expected, are named', async () => {
  const files = vectorFiles()
  delete files['agents.json']
  files['extra.txt'] = enc.encode('x')
  const report = await verifyBundle(files, {})
  assert.match(
    report.checks.find((c) => c.id === 'files')?.message ?? '',
    /missing agents\.json; unexpected extra\.txt/,
  )
  const other = await verifyBundle(vectorFiles(), { expectedSigner: `0x${'9'.repeat(40)}` })
  assert.equal(other.checks.find((c) => c.id === 'signer')?.code, 'APIARY_BUNDLE_SIGNER_UNEXPECTED')
})

test('verifyBundleCar(): the CAR round-trips; changing any sampled byte of it fails', async () => {
  const { car, cid } = await bundleCar(vector.dir, vectorFiles())
  const ok = await verifyBundleCar(car)
  assert.equal(ok.valid, true, JSON.stringify(ok.checks.filter((c) => !c.ok)))
  assert.equal(ok.cid, cid)
  for (const at of positions(car.length, 80)) {
    const bytes = Uint8Array.from(car)
    bytes[at] = (bytes[at] as number) ^ 0x01
    const report = await verifyBundleCar(bytes)
    assert.equal(report.valid, false, `CAR byte ${at} of ${car.length}`)
  }
  const wrongRoot = await verifyBundleCar(car, { expectedCid: vector.kubo_planets.cid })
  assert.equal(wrongRoot.checks[0]?.code, 'APIARY_BUNDLE_CID_MISMATCH')
})

/** Each change of a copy of a valid receipt makes it invalid, with a failed check of the code named. */
async function assertEachChangeFails<R>(good: R, cases: [string, (r: R) => void, string][]) {
  for (const [what, change, code] of cases) {
    const receipt = structuredClone(good)
    change(receipt)
    const report = await verifyReceipt(receipt)
    assert.equal(report.valid, false, what)
    assert.ok(
      report.checks.some((c) => c.code === code),
      `${what}: ${JSON.stringify(report.checks.filter((c) => !c.ok))}`,
    )
  }
}

test('verifyReceipt(): any changed field of a receipt fails with the check that covers it', async () => {
  const good = vector.receipt
  assert.equal((await verifyReceipt(good)).valid, true)
  const cases: [string, (r: typeof good) => void, string][] = [
    [
      'job field',
      (r) => {
        r.job.execution_ms += 1
      },
      'APIARY_RECEIPT_PROOF_INVALID',
    ],
    [
      'job agent',
      (r) => {
        r.job.agent = `0x${'9'.repeat(40)}`
      },
      'APIARY_RECEIPT_PROOF_INVALID',
    ],
    [
      'proof hash',
      (r) => {
        r.proof[0].hash = `0x${'0'.repeat(64)}`
      },
      'APIARY_RECEIPT_PROOF_INVALID',
    ],
    [
      'proof side',
      (r) => {
        r.proof[0].position = r.proof[0].position === 'left' ? 'right' : 'left'
      },
      'APIARY_RECEIPT_PROOF_INVALID',
    ],
    [
      'job root',
      (r) => {
        r.job_root = `0x${'1'.repeat(64)}`
      },
      'APIARY_RECEIPT_PROOF_INVALID',
    ],
    [
      'epoch',
      (r) => {
        r.epoch = 8
      },
      'APIARY_RECEIPT_JOB_INVALID',
    ],
    [
      'seal root',
      (r) => {
        r.seal = r.seal.replace(/Job root: 0x[0-9a-f]{4}/, 'Job root: 0x0000')
      },
      'APIARY_RECEIPT_ROOT_NOT_SEALED',
    ],
    [
      'seal text',
      (r) => {
        r.seal = r.seal.replace('Jobs: 7', 'Jobs: 8')
      },
      'APIARY_RECEIPT_SIGNATURE_INVALID',
    ],
    [
      'signature',
      (r) => {
        r.seal = r.seal.replace(
          /Signature: 0x(.)/,
          (_m: string, c: string) => `Signature: 0x${c === 'a' ? 'b' : 'a'}`,
        )
      },
      'APIARY_RECEIPT_SIGNATURE_INVALID',
    ],
    [
      'layout',
      (r) => {
        r.seal = r.seal.replace('---', '--')
      },
      'APIARY_RECEIPT_SEAL_UNREADABLE',
    ],
    [
      'unknown field',
      (r) => {
        r.extra = 1
      },
      'APIARY_RECEIPT_INVALID',
    ],
  ]
  await assertEachChangeFails(good, cases)
  const rebuilt = buildReceipt({ ...good, chainId: good.chain_id, jobRoot: good.job_root, proof: good.proof })
  assert.deepEqual(rebuilt, good)
})

test('verifyReceipt() of a client receipt: any changed field fails with the check that covers it', async () => {
  const good = vector.client_receipt
  assert.equal((await verifyReceipt(good)).valid, true)
  const summary = JSON.parse(good.summary)
  const cases: [string, (r: typeof good) => void, string][] = [
    [
      'fee',
      (r) => {
        r.job.fee = '1'
      },
      'APIARY_RECEIPT_PROOF_INVALID',
    ],
    [
      'client',
      (r) => {
        r.job.client = `0x${'9'.repeat(40)}`
      },
      'APIARY_RECEIPT_PROOF_INVALID',
    ],
    [
      'agents',
      (r) => {
        r.job.agents.pop()
      },
      'APIARY_RECEIPT_PROOF_INVALID',
    ],
    [
      'poe',
      (r) => {
        r.job.poe_hash = `0x${'1'.repeat(64)}`
      },
      'APIARY_RECEIPT_PROOF_INVALID',
    ],
    [
      'proof',
      (r) => {
        r.proof[0].hash = `0x${'0'.repeat(64)}`
      },
      'APIARY_RECEIPT_PROOF_INVALID',
    ],
    [
      'bad job',
      (r) => {
        r.job.type = 'tx.validate.l3'
      },
      'APIARY_RECEIPT_JOB_INVALID',
    ],
    [
      'charged less',
      (r) => {
        r.charge.amount = '2999999999999999'
      },
      'APIARY_RECEIPT_CHARGE_INVALID',
    ],
    [
      'charge proof',
      (r) => {
        r.charge.proof.pop()
      },
      'APIARY_RECEIPT_CHARGE_INVALID',
    ],
    [
      'charge asset',
      (r) => {
        r.charge.asset = 'token'
      },
      'APIARY_RECEIPT_CHARGE_INVALID',
    ],
    [
      'charge root',
      (r) => {
        r.charge.root = `0x${'2'.repeat(64)}`
      },
      'APIARY_RECEIPT_CHARGE_INVALID',
    ],
    // A summary that names the forged root parses, but is not the one the seal signs.
    [
      'summary root',
      (r) => {
        r.client_job_root = `0x${'3'.repeat(64)}`
        r.summary = canonicalJson({
          ...summary,
          client_jobs: { ...summary.client_jobs, merkle_root: r.client_job_root },
        })
      },
      'APIARY_RECEIPT_ROOT_NOT_SEALED',
    ],
    [
      'summary epoch',
      (r) => {
        r.epoch = 8
      },
      'APIARY_RECEIPT_ROOT_NOT_SEALED',
    ],
    [
      'summary text',
      (r) => {
        r.summary = r.summary.replace('{', '{ ')
      },
      'APIARY_RECEIPT_ROOT_NOT_SEALED',
    ],
    [
      'summary junk',
      (r) => {
        r.summary = 'null'
      },
      'APIARY_RECEIPT_SUMMARY_INVALID',
    ],
    [
      'seal text',
      (r) => {
        r.seal = r.seal.replace('Jobs: 7', 'Jobs: 8')
      },
      'APIARY_RECEIPT_SIGNATURE_INVALID',
    ],
    [
      'layout',
      (r) => {
        r.seal = r.seal.replace('---', '--')
      },
      'APIARY_RECEIPT_SEAL_UNREADABLE',
    ],
    [
      'unknown field',
      (r) => {
        r.extra = 1
      },
      'APIARY_RECEIPT_INVALID',
    ],
  ]
  await assertEachChangeFails(good, cases)
  const other = privateKeyToAccount(`0x${'44'.repeat(32)}`)
  assert.equal((await verifyReceipt(good, { expectedSigner: other.address })).valid, false)
})

test('verifyBundle(): client jobs re-signed by the sealing key but not matching SUMMARY fail the client-jobs and charges checks', async () => {
  const files = vectorFiles()
  const summary = JSON.parse(Buffer.from(files['SUMMARY.json'] as Uint8Array).toString('utf8'))
  const jobsFile = JSON.parse(Buffer.from(files['jobs.json'] as Uint8Array).toString('utf8'))
  // The coordinator under-reports a client's fee in jobs.json and keeps SUMMARY's totals and roots.
  jobsFile.client_jobs[0].fee = '1'
  const jobsBytes = enc.encode(canonicalJson(jobsFile))
  summary.files['jobs.json'] = sha256Tag(jobsBytes)
  const summaryBytes = enc.encode(canonicalJson(summary))
  const signer = privateKeyToAccount(vector.sealing_key)
  const message = formatSealMessage({
    chainId: summary.chain_id,
    epoch: summary.epoch,
    jobRoot: summary.jobs.merkle_root,
    payoutRoot: summary.payouts.root,
    jobs: summary.jobs.count,
    distributed: BigInt(summary.treasury.distributed),
    summary: sha256Tag(summaryBytes),
    jobsFile: summary.files['jobs.json'],
    agentsFile: summary.files['agents.json'],
    sealedAt: summary.sealed_at,
  })
  const signature = await signer.signMessage({ message })
  const report = await verifyBundle({
    ...files,
    'jobs.json': jobsBytes,
    'SUMMARY.json': summaryBytes,
    'SIGNATURE.txt': enc.encode(formatSignatureFile({ message, signer: signer.address, signature })),
  })
  const failed = report.checks.filter((c) => !c.ok).map((c) => c.code)
  assert.deepEqual(failed.sort(), [
    'APIARY_BUNDLE_CHARGE_ROOT_MISMATCH',
    'APIARY_BUNDLE_CLIENT_JOBS_MISMATCH',
    'APIARY_BUNDLE_NOT_CANONICAL',
    // the rebuilt SUMMARY (with the fees the jobs give) is not the one signed
    'APIARY_BUNDLE_SEAL_TEXT_MISMATCH',
  ])
})

test('taskPoints(): only answers committed before their truth earn; L1/L2 canaries only when invalid', () => {
  const at = (kind: 'preconfirmation' | 'canary' | 'history', level: number, more = {}) =>
    taskPoints({ kind, level, matched: true, early: true, invalid: false, ...more })
  assert.equal(at('preconfirmation', 3), TASK_POINTS.preconfirmation[3])
  assert.equal(at('preconfirmation', 3, { early: false }), 0, 'answered after the block was there')
  assert.equal(at('preconfirmation', 1), 0, 'a mempool L1 verdict is a lookup')
  assert.equal(at('history', 3), 0)
  assert.equal(at('canary', 1), 0, '"valid" is what an agent that checks nothing says')
  assert.equal(at('canary', 1, { invalid: true }), TASK_POINTS.canary[1])
  assert.equal(at('canary', 3, { early: false }), TASK_POINTS.canary[3], 'a canary has no block')
  assert.equal(at('canary', 3, { matched: false }), 0)
})

test('canarySkipsDeliberate(): skips at the agent own expiry rate are chance; skipping every canary is not', () => {
  // An honest agent that lets 10 % of everything expire: its canaries expire at that rate too.
  assert.equal(
    canarySkipsDeliberate({ canaries: 20, canariesSkipped: 2, tasks: 400, tasksSkipped: 40 }),
    false,
  )
  assert.equal(
    canarySkipsDeliberate({ canaries: 20, canariesSkipped: 6, tasks: 400, tasksSkipped: 40 }),
    false,
  )
  assert.equal(canarySkipsDeliberate({ canaries: 3, canariesSkipped: 3, tasks: 10, tasksSkipped: 0 }), false)
  assert.equal(canarySkipsDeliberate({ canaries: 8, canariesSkipped: 0, tasks: 10, tasksSkipped: 0 }), false)
  // An agent that answers every real task and no canary.
  assert.equal(canarySkipsDeliberate({ canaries: 8, canariesSkipped: 8, tasks: 64, tasksSkipped: 0 }), true)
  assert.equal(
    canarySkipsDeliberate({ canaries: 20, canariesSkipped: 15, tasks: 400, tasksSkipped: 40 }),
    true,
  )
  // binomialTail against exact sums.
  assert.ok(Math.abs(binomialTail(10, 3, 0.2) - 0.3222004736) < 1e-9)
  assert.equal(binomialTail(5, 0, 0.3), 1)
  assert.equal(binomialTail(5, 6, 0.3), 0)
  assert.ok(Math.abs(binomialTail(4, 4, 0.5) - 1 / 16) < 1e-12)
})
