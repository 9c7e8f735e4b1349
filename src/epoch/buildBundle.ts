import { hash } from 'node:crypto'
import { buildChargeTree } from './buildChargeTree.ts'
import { buildJobTree, buildTreeFromLeaves, type JobTree } from './buildJobTree.ts'
import { buildPayoutTree, type PayoutTree } from './buildPayoutTree.ts'
import { BUNDLE_VERSION, BUNDLE_VERSION_2, type BundleCanary, type Summary } from './bundleSchema.ts'
import { canaryCommitment } from './canaries.ts'
import { canonicalJson } from './canonicalJson.ts'
import { type ClientJobRecord, clientCharges, clientJobLeaf } from './clientJobRecord.ts'
import { computePayouts, type PayoutParameters } from './computePayouts.ts'
import { type AgentEpochWork, computeWeights, type WeightParameters } from './computeWeights.ts'
import { type JobRecord, jobCanonicalJson, jobPoints } from './jobRecord.ts'
import { formatSealMessage } from './sealMessage.ts'

export interface BundleAgent {
  agentId: string
  /** Payout address. */
  address: string
  uptimeSeconds: number
  /**
   * Canaries the agent let expire, when the epoch judged the skips deliberate (canarySkipsDeliberate; they
   * count as failed canaries): the jobs cannot show them, as a skipped task has no job. Default 0.
   */
  canariesSkipped?: number
  /** Excluded for canary failures before the epoch closed: earns nothing. Default false. */
  excluded?: boolean
}

export interface BuildBundleParameters {
  chainId: number
  epoch: number
  /** Epoch start and close (ms since 1970). The seal time is the close time, so sealing again is identical. */
  startedAt: number
  closedAt: number
  blocks: { from: number | null; to: number | null }
  /** The epoch's jobs, sorted by id. */
  jobs: readonly JobRecord[]
  /** Agents seen during the epoch (with their uptime); agents that only appear in jobs get 0 s. */
  agents: readonly BundleAgent[]
  /** Wei the epoch pays out (before fees). */
  revenue: bigint
  weights: WeightParameters
  payouts: PayoutParameters
  /** The sealing key's address. */
  coordinator: string
  /** The EpochRegistry the seal is anchored in, if any. */
  registry: string | null
  /**
   * The canaries made from the epoch's seed, revealed with it (default none). A canary job counts as one
   * (points, failure) only when its canary is revealed here: one answered after its epoch closed does not.
   */
  canaries?: BundleCanaries | undefined
  /**
   * The client jobs completed in the epoch, sorted by id (bundle version 3). Without them the bundle has the
   * version 2 layout, which is how an old bundle is verified.
   */
  clientJobs?: readonly ClientJobRecord[] | undefined
}

export interface BundleCanaries {
  /** The epoch's canary seed (0x + 64 hex), null when it had none. */
  seed: string | null
  /** sha256 of the next epoch's seed, published now so that its reveal can be checked. */
  nextCommitment: string | null
  list: readonly BundleCanary[]
}

export const BUNDLE_FILES = ['SUMMARY.json', 'jobs.json', 'agents.json', 'SIGNATURE.txt'] as const
export type BundleFileName = (typeof BUNDLE_FILES)[number]

export interface UnsignedBundle {
  /** The directory name: `epoch-000012`. */
  dir: string
  summary: Summary
  files: Record<Exclude<BundleFileName, 'SIGNATURE.txt'>, Uint8Array>
  /** The exact text the sealing key signs (EIP-191). */
  message: string
  jobTree: JobTree
  payoutTree: PayoutTree
  /** The tree of the client jobs (empty in a version 2 bundle). */
  clientJobTree: JobTree
}

/** `epoch-000012`. */
export function epochDirName(epoch: number): string {
  return `epoch-${String(epoch).padStart(6, '0')}`
}

export function sha256Tag(bytes: Uint8Array | string): string {
  return `sha256:${hash('sha256', bytes, 'hex')}`
}

/**
 * Everything of an epoch bundle but its signature (docs/spec/bundle.md): the job tree, weights and payouts
 * recomputed from the jobs, the payout tree, and the three JSON files in RFC 8785 form. Deterministic: the
 * same parameters give the same bytes, which is what makes sealing idempotent and verification a recompute.
 */
export function buildBundle(p: BuildBundleParameters): UnsignedBundle {
  const enc = new TextEncoder()
  const dir = epochDirName(p.epoch)
  const jobTree = buildJobTree(p.jobs)

  const work = new Map<string, AgentEpochWork>()
  const fresh = (agentId: string, wallet: string): AgentEpochWork => ({
    agentId,
    wallet,
    scored: 0,
    matched: 0,
    points: 0n,
    canariesFailed: 0,
  })
  const byType: Record<string, number> = {}
  let matched = 0
  const revealed = new Set(p.canaries?.list.map((c) => c.tx_hash))
  for (const job of p.jobs) {
    const w = work.get(job.agent_id) ?? fresh(job.agent_id, job.agent)
    const counts = job.kind !== 'canary' || revealed.has(job.source.tx_hash)
    w.scored++
    if (job.matched) w.matched++
    else if (job.kind === 'canary' && counts) w.canariesFailed++
    if (counts) w.points += BigInt(jobPoints(job))
    work.set(job.agent_id, w)
    byType[job.type] = (byType[job.type] ?? 0) + 1
    if (job.matched) matched++
  }
  const uptime = new Map(p.agents.map((a) => [a.agentId, a]))
  for (const a of p.agents) {
    const w = work.get(a.agentId) ?? fresh(a.agentId, a.address.toLowerCase())
    w.canariesFailed += a.canariesSkipped ?? 0
    w.excluded = a.excluded ?? false
    work.set(a.agentId, w)
  }
  const weighted = computeWeights([...work.values()], p.weights).sort((a, b) =>
    a.agentId < b.agentId ? -1 : 1,
  )
  const uptimeOf = (agentId: string) => Math.max(0, Math.floor(uptime.get(agentId)?.uptimeSeconds ?? 0))
  const { payouts, treasury } = computePayouts(
    p.revenue,
    weighted.map((a) => ({ address: a.wallet, weight: a.weight, uptimeSeconds: uptimeOf(a.agentId) })),
    p.payouts,
  )
  const paid = payouts.filter((x) => x.amount > 0n)
  const payoutTree = buildPayoutTree(paid.map((x) => ({ account: x.address, amount: x.amount })))

  const clients = p.clientJobs === undefined ? undefined : clientJobsPart(p.clientJobs)
  const jobsBytes = enc.encode(
    `{"canaries":${canonicalJson(p.canaries?.list ?? [])},${clients === undefined ? '' : `"client_jobs":${canonicalJson(p.clientJobs)},`}"epoch":${p.epoch},"epoch_id":"${dir}","jobs":[${p.jobs.map(jobCanonicalJson).join(',')}],"jobs_count":${p.jobs.length}}`,
  )
  const agentsBytes = enc.encode(
    canonicalJson({
      epoch: p.epoch,
      agents: weighted.map((a) => ({
        agent_id: a.agentId,
        address: a.wallet,
        jobs: a.scored,
        matched: a.matched,
        accuracy_bps: a.accuracyBps,
        bonus: a.bonus,
        points: a.points.toString(),
        canaries_failed: a.canariesFailed,
        canaries_skipped: uptime.get(a.agentId)?.canariesSkipped ?? 0,
        excluded: a.excluded ?? false,
        weight: a.weight.toString(),
        rank: a.rank,
        uptime_seconds: uptimeOf(a.agentId),
      })),
      payouts: paid.map((x) => ({
        address: x.address,
        work_share: x.workShare.toString(),
        readiness_share: x.readinessShare.toString(),
        amount: x.amount.toString(),
        proof: payoutTree.proof(x.address),
      })),
    }),
  )
  const iso = (ms: number) => new Date(ms).toISOString()
  const summary: Summary = {
    version: clients === undefined ? BUNDLE_VERSION_2 : BUNDLE_VERSION,
    epoch: p.epoch,
    epoch_id: dir,
    status: 'sealed',
    chain_id: p.chainId,
    coordinator: p.coordinator.toLowerCase(),
    registry: p.registry === null ? null : p.registry.toLowerCase(),
    start_time: iso(p.startedAt),
    end_time: iso(p.closedAt),
    sealed_at: iso(p.closedAt),
    blocks: p.blocks,
    jobs: { count: p.jobs.length, matched, merkle_root: jobTree.root, by_type: byType },
    payouts: { root: payoutTree.root, count: paid.length },
    treasury: {
      revenue: treasury.revenue.toString(),
      operator_fee: treasury.operatorFee.toString(),
      protocol_fee: treasury.protocolFee.toString(),
      work_pool: treasury.workPool.toString(),
      readiness_pool: treasury.readinessPool.toString(),
      distributed: treasury.distributed.toString(),
      undistributed: treasury.undistributed.toString(),
    },
    params: {
      model: p.payouts.model,
      operator_fee_bps: p.payouts.operatorFeeBps,
      protocol_fee_bps: p.payouts.protocolFeeBps,
      work_pool_bps: p.payouts.workPoolBps,
      readiness_pool_bps: p.payouts.readinessPoolBps,
      bonus_accuracy_bps: p.weights.bonusAccuracyBps,
      bonus_multiplier_bps: p.weights.bonusMultiplierBps,
      min_tasks: p.weights.minTasks,
    },
    agents_count: weighted.length,
    canaries: {
      count: p.canaries?.list.length ?? 0,
      seed: p.canaries?.seed ?? null,
      commitment: p.canaries?.seed == null ? null : canaryCommitment(p.canaries.seed),
      next_commitment: p.canaries?.nextCommitment ?? null,
    },
    files: { 'agents.json': sha256Tag(agentsBytes), 'jobs.json': sha256Tag(jobsBytes) },
    ...clients?.summary,
  }
  const summaryBytes = enc.encode(canonicalJson(summary))
  const message = formatSealMessage({
    chainId: p.chainId,
    epoch: p.epoch,
    jobRoot: jobTree.root,
    payoutRoot: payoutTree.root,
    jobs: p.jobs.length,
    distributed: treasury.distributed,
    summary: sha256Tag(summaryBytes),
    jobsFile: summary.files['jobs.json'],
    agentsFile: summary.files['agents.json'],
    sealedAt: summary.sealed_at,
  })
  return {
    dir,
    summary,
    files: { 'SUMMARY.json': summaryBytes, 'jobs.json': jobsBytes, 'agents.json': agentsBytes },
    message,
    jobTree,
    payoutTree,
    clientJobTree: clients?.tree ?? buildTreeFromLeaves(new Uint8Array()),
  }
}

/**
 * The client jobs' part of a version 3 bundle: their tree (leaves as for validation jobs) and, per asset,
 * the fees and the charge tree of each client's total (the root JobEscrow.charge records).
 */
function clientJobsPart(jobs: readonly ClientJobRecord[]) {
  const leaves = new Uint8Array(jobs.length * 32)
  for (const [i, job] of jobs.entries()) leaves.set(clientJobLeaf(job), i * 32)
  const tree = buildTreeFromLeaves(leaves)
  const fees = { coin: 0n, token: 0n }
  for (const job of jobs) fees[job.asset] += BigInt(job.fee)
  const root = (asset: 'coin' | 'token') =>
    buildChargeTree([...clientCharges(jobs, asset)].map(([client, amount]) => ({ client, asset, amount })))
      .root
  return {
    tree,
    summary: {
      client_jobs: {
        count: jobs.length,
        merkle_root: tree.root,
        fees: { coin: fees.coin.toString(), token: fees.token.toString() },
      },
      charges: { coin: root('coin'), token: root('token') },
    },
  }
}
