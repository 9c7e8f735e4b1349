import { type Hex, keccak256, recoverTransactionAddress } from 'viem'
import { BUNDLE_FILES, buildBundle, sha256Tag } from './buildBundle.ts'
import { verifyPayoutProof } from './buildPayoutTree.ts'
import { bundleCar } from './bundleCar.ts'
import {
  type AgentsFile,
  agentsFileSchema,
  BUNDLE_VERSION,
  type BundleCanary,
  jobsFileSchema,
  type Summary,
  summarySchema,
} from './bundleSchema.ts'
import { canaryAddress, canaryCommitment } from './canaries.ts'
import { canonicalJson } from './canonicalJson.ts'
import { type ClientJobRecord, clientJobRecordSchema } from './clientJobRecord.ts'
import { epochOfJobId, type JobRecord, jobRecordSchema } from './jobRecord.ts'
import { parseSignatureFile, recoverSealSigner, sealField } from './sealMessage.ts'
import { createChecks, type VerificationReport } from './verification.ts'

export interface VerifyBundleOptions {
  /** The CID the bundle must have (from a CAR root, the index or the on-chain anchor). */
  expectedCid?: string | undefined
  /** The sealing address the bundle must be signed by. */
  expectedSigner?: string | undefined
}

export interface BundleVerificationReport extends VerificationReport {
  epoch?: number
  cid?: string
  signer?: string
  jobRoot?: string
  payoutRoot?: string
  registry?: string | null
  chainId?: number
  /** SUMMARY.json as read, when it parsed. */
  summary?: Summary
}

/**
 * Verifies an epoch bundle offline (docs/spec/bundle.md#verification): the files, their hashes, every job,
 * the job root, the weights and payouts recomputed from the jobs, the payout root and proofs, the treasury
 * reconciliation, the seal text and its EIP-191 signature, and the UnixFS CID. Each failed check names
 * what did not match; nothing throws on bad input.
 */
export async function verifyBundle(
  files: Readonly<Record<string, Uint8Array>>,
  options: VerifyBundleOptions = {},
): Promise<BundleVerificationReport> {
  const c = createChecks()
  const out: BundleVerificationReport = { valid: false, checks: c.checks }
  const finish = () => Object.assign(out, { valid: c.report().valid })
  const text = (name: string) => Buffer.from(files[name] ?? new Uint8Array()).toString('utf8')
  const names = Object.keys(files).sort()
  const missing = BUNDLE_FILES.filter((n) => files[n] === undefined)
  const extra = names.filter((n) => !(BUNDLE_FILES as readonly string[]).includes(n))
  c.check(
    'files',
    missing.length === 0 && extra.length === 0,
    'APIARY_BUNDLE_FILES',
    'SUMMARY.json, jobs.json, agents.json and SIGNATURE.txt, nothing else',
    [
      missing.length > 0 ? `missing ${missing.join(', ')}` : '',
      extra.length > 0 ? `unexpected ${extra.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('; '),
  )
  const sig = files['SIGNATURE.txt'] === undefined ? undefined : parseSignatureFile(text('SIGNATURE.txt'))
  if (sig === undefined)
    c.fail(
      'signature',
      'APIARY_BUNDLE_SIGNATURE_UNREADABLE',
      'SIGNATURE.txt is missing or not in the seal layout',
    )
  else {
    out.signer = sig.signer
    const recovered = await recoverSealSigner(sig)
    c.check(
      'signature',
      recovered === sig.signer,
      'APIARY_BUNDLE_SIGNATURE_INVALID',
      `EIP-191 signature by ${sig.signer}`,
      `the signature ${recovered === undefined ? 'is malformed' : `was made by ${recovered}, not by ${sig.signer}`}`,
    )
    const unsigned = (['SUMMARY.json', 'jobs.json', 'agents.json'] as const).filter(
      (name) => sealField(sig.message, name) !== sha256Tag(files[name] ?? new Uint8Array()),
    )
    c.check(
      'seal-files',
      unsigned.length === 0,
      'APIARY_BUNDLE_SEAL_TEXT_MISMATCH',
      'the signed text covers the bytes of SUMMARY.json, jobs.json and agents.json',
      `the signed text does not cover the bytes of ${unsigned.join(', ')}`,
    )
    if (options.expectedSigner !== undefined)
      c.check(
        'signer',
        sig.signer === options.expectedSigner.toLowerCase(),
        'APIARY_BUNDLE_SIGNER_UNEXPECTED',
        `signed by the expected sealing key ${sig.signer}`,
        `signed by ${sig.signer}, expected ${options.expectedSigner.toLowerCase()}`,
      )
  }
  if (files['SUMMARY.json'] === undefined) return finish()

  const summary = parseJson('SUMMARY.json', text('SUMMARY.json'), (v) => summarySchema.safeParse(v))
  if (!summary.ok) {
    c.fail('summary', 'APIARY_BUNDLE_SUMMARY_INVALID', summary.message)
    return finish()
  }
  const s: Summary = summary.value
  c.pass('summary', `SUMMARY.json describes epoch ${s.epoch} of chain ${s.chain_id}`)
  Object.assign(out, {
    summary: s,
    epoch: s.epoch,
    jobRoot: s.jobs.merkle_root,
    payoutRoot: s.payouts.root,
    registry: s.registry,
    chainId: s.chain_id,
  })
  for (const name of ['jobs.json', 'agents.json'] as const) {
    const bytes = files[name]
    if (bytes === undefined) continue
    const actual = sha256Tag(bytes)
    c.check(
      `hash:${name}`,
      actual === s.files[name],
      'APIARY_BUNDLE_FILE_HASH_MISMATCH',
      `${name} hashes to ${actual}, as SUMMARY.json says`,
      `${name} hashes to ${actual}; SUMMARY.json says ${s.files[name]}`,
    )
  }

  const jobs = readJobs(text('jobs.json'), s)
  if (!jobs.ok) c.fail('jobs', jobs.code, jobs.message)
  else {
    c.pass(
      'jobs',
      `${jobs.value.length} job records${jobs.clientJobs === undefined ? '' : ` and ${jobs.clientJobs.length} client jobs`}, valid and in id order`,
    )
    const wrong = await checkCanaries(s, jobs.canaries)
    c.check(
      'canaries',
      wrong === undefined,
      'APIARY_BUNDLE_CANARIES_INVALID',
      `${jobs.canaries.length} canaries revealed, each signed by a key of the committed seed`,
      wrong ?? '',
    )
  }
  const agents = parseJson('agents.json', text('agents.json'), (v) => agentsFileSchema.safeParse(v))
  if (!agents.ok) c.fail('agents', 'APIARY_BUNDLE_AGENTS_INVALID', agents.message)
  else
    c.check(
      'agents',
      agents.value.epoch === s.epoch,
      'APIARY_BUNDLE_AGENTS_INVALID',
      `${agents.value.agents.length} agents, ${agents.value.payouts.length} payouts`,
      `agents.json is for epoch ${agents.value.epoch}, not ${s.epoch}`,
    )
  if (!jobs.ok || !agents.ok) return finish()

  const rebuilt = buildBundle({
    chainId: s.chain_id,
    epoch: s.epoch,
    startedAt: Date.parse(s.start_time),
    closedAt: Date.parse(s.end_time),
    blocks: s.blocks,
    jobs: jobs.value,
    agents: agents.value.agents.map((a) => ({
      agentId: a.agent_id,
      address: a.address,
      uptimeSeconds: a.uptime_seconds,
      canariesSkipped: a.canaries_skipped,
      excluded: a.excluded,
    })),
    revenue: BigInt(s.treasury.revenue),
    weights: {
      bonusAccuracyBps: s.params.bonus_accuracy_bps,
      bonusMultiplierBps: s.params.bonus_multiplier_bps,
      minTasks: s.params.min_tasks,
    },
    payouts: {
      model: s.params.model,
      operatorFeeBps: s.params.operator_fee_bps,
      protocolFeeBps: s.params.protocol_fee_bps,
      workPoolBps: s.params.work_pool_bps,
      readinessPoolBps: s.params.readiness_pool_bps,
    },
    coordinator: s.coordinator,
    registry: s.registry,
    canaries: { seed: s.canaries.seed, nextCommitment: s.canaries.next_commitment, list: jobs.canaries },
    clientJobs: jobs.clientJobs,
  })
  const r = rebuilt.summary
  if (r.client_jobs !== undefined && s.client_jobs !== undefined && r.charges !== undefined && s.charges) {
    const [rc, sc] = [r.client_jobs, s.client_jobs]
    c.check(
      'client-jobs',
      canonicalJson(rc) === canonicalJson(sc),
      'APIARY_BUNDLE_CLIENT_JOBS_MISMATCH',
      `the ${rc.count} client jobs give the root ${rc.merkle_root} and fees ${rc.fees.coin} coin, ${rc.fees.token} token`,
      `the client jobs give ${rc.count} jobs, root ${rc.merkle_root}, fees ${rc.fees.coin} coin and ${rc.fees.token} token; SUMMARY.json says ${sc.count}, ${sc.merkle_root}, ${sc.fees.coin} and ${sc.fees.token}`,
    )
    c.check(
      'charges',
      canonicalJson(r.charges) === canonicalJson(s.charges),
      'APIARY_BUNDLE_CHARGE_ROOT_MISMATCH',
      `each client's charges give the charge roots ${r.charges.coin} (coin) and ${r.charges.token} (token)`,
      `the client jobs give the charge roots ${r.charges.coin} (coin) and ${r.charges.token} (token); SUMMARY.json says ${s.charges.coin} and ${s.charges.token}`,
    )
  }
  c.check(
    'job-root',
    r.jobs.merkle_root === s.jobs.merkle_root,
    'APIARY_BUNDLE_JOB_ROOT_MISMATCH',
    `the ${jobs.value.length} jobs give the root ${r.jobs.merkle_root}`,
    `the jobs give the root ${r.jobs.merkle_root}; SUMMARY.json says ${s.jobs.merkle_root}`,
  )
  c.check(
    'job-counts',
    canonicalJson([r.jobs.count, r.jobs.matched, r.jobs.by_type, r.agents_count]) ===
      canonicalJson([s.jobs.count, s.jobs.matched, s.jobs.by_type, s.agents_count]),
    'APIARY_BUNDLE_JOB_COUNT_MISMATCH',
    `${r.jobs.count} jobs, ${r.jobs.matched} matched, ${r.agents_count} agents`,
    `the jobs count ${r.jobs.count} jobs (${r.jobs.matched} matched, ${r.agents_count} agents); SUMMARY.json says ${s.jobs.count} (${s.jobs.matched}, ${s.agents_count})`,
  )
  const expectedAgents = JSON.parse(Buffer.from(rebuilt.files['agents.json']).toString('utf8')) as AgentsFile
  const weightDiff = firstDifference(agents.value.agents, expectedAgents.agents, (a) => a.agent_id)
  c.check(
    'weights',
    weightDiff === undefined,
    'APIARY_BUNDLE_WEIGHT_MISMATCH',
    'every agent’s work and weight follows from the jobs',
    `agent ${weightDiff}: its work or weight does not follow from the jobs`,
  )
  const payoutDiff = firstDifference(
    agents.value.payouts.map(({ proof: _, ...p }) => p),
    expectedAgents.payouts.map(({ proof: _, ...p }) => p),
    (p) => p.address,
  )
  c.check(
    'payouts',
    payoutDiff === undefined,
    'APIARY_BUNDLE_PAYOUT_MISMATCH',
    `${expectedAgents.payouts.length} payouts follow from the weights, uptime and parameters`,
    `payout of ${payoutDiff} does not follow from the weights, uptime and parameters`,
  )
  const t = s.treasury
  const sum =
    BigInt(t.distributed) + BigInt(t.operator_fee) + BigInt(t.protocol_fee) + BigInt(t.undistributed)
  const paid = agents.value.payouts.reduce((acc, p) => acc + BigInt(p.amount), 0n)
  c.check(
    'treasury',
    sum === BigInt(t.revenue) &&
      paid === BigInt(t.distributed) &&
      canonicalJson(r.treasury) === canonicalJson(t),
    'APIARY_BUNDLE_TREASURY_MISMATCH',
    `${t.distributed} paid + ${t.operator_fee} + ${t.protocol_fee} fees + ${t.undistributed} undistributed = ${t.revenue} wei`,
    `the treasury does not reconcile: ${t.distributed} + ${t.operator_fee} + ${t.protocol_fee} + ${t.undistributed} vs revenue ${t.revenue}, payouts add up to ${paid}, recomputed ${JSON.stringify(r.treasury)}`,
  )
  c.check(
    'payout-root',
    r.payouts.root === s.payouts.root && r.payouts.count === s.payouts.count,
    'APIARY_BUNDLE_PAYOUT_ROOT_MISMATCH',
    `the payouts give the root ${r.payouts.root}`,
    `the payouts give the root ${r.payouts.root}; SUMMARY.json says ${s.payouts.root}`,
  )
  const badProof = agents.value.payouts.find(
    (p) => !verifyPayoutProof(s.payouts.root, { account: p.address, amount: BigInt(p.amount) }, p.proof),
  )
  c.check(
    'payout-proofs',
    badProof === undefined,
    'APIARY_BUNDLE_PAYOUT_PROOF_INVALID',
    'every payout proof verifies against the payout root',
    `the payout proof of ${badProof?.address} does not verify against ${s.payouts.root}`,
  )
  const notCanonical = (['SUMMARY.json', 'jobs.json', 'agents.json'] as const).filter(
    (n) => !Buffer.from(rebuilt.files[n]).equals(files[n] ?? new Uint8Array()),
  )
  c.check(
    'canonical',
    notCanonical.length === 0,
    'APIARY_BUNDLE_NOT_CANONICAL',
    'every JSON file is byte for byte what its content gives (RFC 8785)',
    `${notCanonical.join(', ')} differ from what their content gives`,
  )

  if (sig !== undefined) {
    const line = firstLineDifference(sig.message, rebuilt.message)
    c.check(
      'seal-text',
      line === undefined,
      'APIARY_BUNDLE_SEAL_TEXT_MISMATCH',
      'the signed text names this bundle’s roots, counts and file hashes',
      `SIGNATURE.txt says "${line?.actual}", the bundle gives "${line?.expected}"`,
    )
    c.check(
      'coordinator',
      sig.signer === s.coordinator,
      'APIARY_BUNDLE_SIGNER_MISMATCH',
      `the signer is SUMMARY.json's coordinator`,
      `signed by ${sig.signer}; SUMMARY.json names the coordinator ${s.coordinator}`,
    )
  }

  const { cid } = await bundleCar(s.epoch_id, files)
  out.cid = cid
  if (options.expectedCid !== undefined)
    c.check(
      'cid',
      cid === options.expectedCid,
      'APIARY_BUNDLE_CID_MISMATCH',
      `the files encode to ${cid}`,
      `the files encode to ${cid}, expected ${options.expectedCid}`,
    )
  return finish()
}

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string }

function parseJson<T>(
  name: string,
  body: string,
  validate: (
    v: unknown,
  ) =>
    | { success: true; data: T }
    | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } },
): Parsed<T> {
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch (error) {
    return { ok: false, message: `${name} is not JSON: ${(error as Error).message}` }
  }
  const result = validate(value)
  if (result.success) return { ok: true, value: result.data }
  const issue = result.error.issues[0]
  return { ok: false, message: `${name}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}` }
}

function readJobs(
  body: string,
  s: Summary,
):
  | {
      ok: true
      value: JobRecord[]
      canaries: BundleCanary[]
      /** Version 3 only. */
      clientJobs: ClientJobRecord[] | undefined
    }
  | { ok: false; code: 'APIARY_BUNDLE_JOBS_INVALID' | 'APIARY_BUNDLE_JOBS_ORDER'; message: string } {
  const file = parseJson('jobs.json', body, (v) => jobsFileSchema.safeParse(v))
  if (!file.ok) return { ok: false, code: 'APIARY_BUNDLE_JOBS_INVALID', message: file.message }
  const v3 = s.version === BUNDLE_VERSION
  if (v3 !== (file.value.client_jobs !== undefined) || v3 !== (s.client_jobs !== undefined && !!s.charges))
    return {
      ok: false,
      code: 'APIARY_BUNDLE_JOBS_INVALID',
      message: `a ${s.version} bundle ${v3 ? 'has' : 'has no'} client_jobs in jobs.json and SUMMARY.json, and charges in SUMMARY.json`,
    }
  const clientJobs: ClientJobRecord[] = []
  for (const [i, raw] of (file.value.client_jobs ?? []).entries()) {
    const job = clientJobRecordSchema.safeParse(raw)
    if (!job.success) {
      const issue = job.error.issues[0]
      return {
        ok: false,
        code: 'APIARY_BUNDLE_JOBS_INVALID',
        message: `client job ${i}: ${issue?.path.join('.')}: ${issue?.message}`,
      }
    }
    const previous = clientJobs[clientJobs.length - 1]
    if (previous !== undefined && previous.id >= job.data.id)
      return {
        ok: false,
        code: 'APIARY_BUNDLE_JOBS_ORDER',
        message: `client job ${job.data.id} comes after ${previous.id}: ids must increase`,
      }
    clientJobs.push(job.data)
  }
  if (
    file.value.epoch !== s.epoch ||
    file.value.epoch_id !== s.epoch_id ||
    file.value.jobs_count !== file.value.jobs.length
  )
    return {
      ok: false,
      code: 'APIARY_BUNDLE_JOBS_INVALID',
      message: `jobs.json header (epoch ${file.value.epoch}, ${file.value.jobs_count} jobs) does not match its ${file.value.jobs.length} jobs of epoch ${s.epoch}`,
    }
  const jobs: JobRecord[] = []
  for (const [i, raw] of file.value.jobs.entries()) {
    const job = jobRecordSchema.safeParse(raw)
    if (!job.success) {
      const issue = job.error.issues[0]
      return {
        ok: false,
        code: 'APIARY_BUNDLE_JOBS_INVALID',
        message: `job ${i}: ${issue?.path.join('.')}: ${issue?.message}`,
      }
    }
    if (epochOfJobId(job.data.id) !== s.epoch)
      return {
        ok: false,
        code: 'APIARY_BUNDLE_JOBS_ORDER',
        message: `job ${job.data.id} is not a job of epoch ${s.epoch}`,
      }
    const previous = jobs[jobs.length - 1]
    if (previous !== undefined && previous.id >= job.data.id)
      return {
        ok: false,
        code: 'APIARY_BUNDLE_JOBS_ORDER',
        message: `job ${job.data.id} comes after ${previous.id}: ids must increase`,
      }
    jobs.push(job.data)
  }
  return { ok: true, value: jobs, canaries: file.value.canaries, clientJobs: v3 ? clientJobs : undefined }
}

/**
 * The canary reveal: the seed hashes to its commitment, every canary is the transaction its hash names and
 * was signed by the key the seed and its index derive (so the coordinator could not call a real
 * transaction a canary after the fact), and SUMMARY.json counts them.
 */
async function checkCanaries(s: Summary, canaries: readonly BundleCanary[]): Promise<string | undefined> {
  const { seed, commitment, count } = s.canaries
  if (count !== canaries.length)
    return `SUMMARY.json counts ${count} canaries, jobs.json reveals ${canaries.length}`
  if ((seed === null) !== (commitment === null) || (seed !== null && canaryCommitment(seed) !== commitment))
    return `the seed does not hash to the commitment ${commitment}`
  if (seed === null) return canaries.length === 0 ? undefined : 'canaries are revealed without a seed'
  const bytes = Buffer.from(seed.slice(2), 'hex')
  for (const canary of canaries) {
    if (keccak256(canary.transaction as Hex) !== canary.tx_hash)
      return `canary ${canary.tx_hash}: its transaction hashes to ${keccak256(canary.transaction as Hex)}`
    let signer: string
    try {
      signer = (
        await recoverTransactionAddress({ serializedTransaction: canary.transaction as never })
      ).toLowerCase()
    } catch {
      return `canary ${canary.tx_hash}: its signature cannot be recovered`
    }
    if (signer !== canaryAddress(bytes, canary.index))
      return `canary ${canary.tx_hash}: signed by ${signer}, not by canary key ${canary.index} of the seed`
  }
  return undefined
}

/** The key of the first entry that differs between two lists (or of the first one only one of them has). */
function firstDifference<T>(
  actual: readonly T[],
  expected: readonly T[],
  key: (t: T) => string,
): string | undefined {
  for (let i = 0; i < Math.max(actual.length, expected.length); i++) {
    const a = actual[i]
    const e = expected[i]
    if (a === undefined || e === undefined || canonicalJson(a) !== canonicalJson(e)) return key((a ?? e) as T)
  }
  return undefined
}

function firstLineDifference(actual: string, expected: string) {
  const a = actual.split('\n')
  const e = expected.split('\n')
  for (let i = 0; i < Math.max(a.length, e.length); i++)
    if (a[i] !== e[i]) return { actual: a[i] ?? '', expected: e[i] ?? '' }
  return undefined
}
