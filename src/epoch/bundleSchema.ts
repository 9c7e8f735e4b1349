import { z } from 'zod'
import { CANARY_VARIANTS } from './canaries.ts'

const address = z.string().regex(/^0x[0-9a-f]{40}$/, 'expected a lower-case 0x address')
const hex32 = z.string().regex(/^0x[0-9a-f]{64}$/, 'expected 0x + 64 lower-case hex digits')
const wei = z.string().regex(/^(0|[1-9]\d*)$/, 'expected a decimal integer')
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)
const bps = z.number().int().min(0).max(10_000)
const sha256 = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256:<64 hex digits>')
const isoTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'expected an ISO 8601 UTC time')

export const BUNDLE_VERSION = 'apiary-epoch-bundle/3'
/** The previous layout (no client jobs), still verified. */
export const BUNDLE_VERSION_2 = 'apiary-epoch-bundle/2'

/** SUMMARY.json (docs/spec/bundle.md#summary). */
export const summarySchema = z.strictObject({
  version: z.enum([BUNDLE_VERSION, BUNDLE_VERSION_2]),
  epoch: z.number().int().positive().max(999_999_999),
  epoch_id: z.string(),
  status: z.literal('sealed'),
  chain_id: count,
  coordinator: address,
  registry: address.nullable(),
  start_time: isoTime,
  end_time: isoTime,
  sealed_at: isoTime,
  blocks: z.strictObject({ from: count.nullable(), to: count.nullable() }),
  jobs: z.strictObject({
    count,
    matched: count,
    merkle_root: hex32,
    by_type: z.record(z.string(), count),
  }),
  payouts: z.strictObject({ root: hex32, count }),
  treasury: z.strictObject({
    revenue: wei,
    operator_fee: wei,
    protocol_fee: wei,
    work_pool: wei,
    readiness_pool: wei,
    distributed: wei,
    undistributed: wei,
  }),
  params: z.strictObject({
    model: z.enum(['pools', 'f1']),
    operator_fee_bps: bps,
    protocol_fee_bps: bps,
    work_pool_bps: bps,
    readiness_pool_bps: bps,
    bonus_accuracy_bps: bps,
    bonus_multiplier_bps: z.number().int().min(0).max(1_000_000),
    min_tasks: count,
  }),
  agents_count: count,
  /**
   * The epoch's canaries (docs/spec/bundle.md#canaries): the seed revealed (null: no canary seed), its
   * commitment sha256(seed) published while the epoch was open, the next epoch's commitment, and how many
   * canaries jobs.json reveals.
   */
  canaries: z.strictObject({
    count,
    seed: hex32.nullable(),
    commitment: hex32.nullable(),
    next_commitment: hex32.nullable(),
  }),
  files: z.strictObject({ 'agents.json': sha256, 'jobs.json': sha256 }),
  /**
   * Version 3: the client jobs completed in the epoch (docs/spec/bundle.md#client-jobs) — their count, the
   * root of their tree and the fees charged per asset — and each asset's charge-tree root, the one
   * JobEscrow.charge records on-chain (32 zero bytes when nobody is charged).
   */
  client_jobs: z
    .strictObject({ count, merkle_root: hex32, fees: z.strictObject({ coin: wei, token: wei }) })
    .optional(),
  charges: z.strictObject({ coin: hex32, token: hex32 }).optional(),
})

export type Summary = z.infer<typeof summarySchema>

/** agents.json (docs/spec/bundle.md#agents). */
export const agentsFileSchema = z.strictObject({
  epoch: z.number().int().positive(),
  agents: z.array(
    z.strictObject({
      agent_id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
      address,
      jobs: count,
      matched: count,
      accuracy_bps: bps,
      bonus: z.boolean(),
      points: wei,
      canaries_failed: count,
      canaries_skipped: count,
      excluded: z.boolean(),
      weight: wei,
      rank: count,
      uptime_seconds: count,
    }),
  ),
  payouts: z.array(
    z.strictObject({
      address,
      work_share: wei,
      readiness_share: wei,
      amount: wei,
      proof: z.array(hex32),
    }),
  ),
})

export type AgentsFile = z.infer<typeof agentsFileSchema>

const hex = z.string().regex(/^0x([0-9a-f]{2})*$/, 'expected 0x + lower-case hex bytes')

/** One canary revealed in jobs.json (docs/spec/bundle.md#canaries). */
export const bundleCanarySchema = z.strictObject({
  tx_hash: hex32,
  /** The canary key's index under the epoch's seed (canaryKey). */
  index: count,
  variant: z.enum(CANARY_VARIANTS),
  /** The signed transaction. */
  transaction: hex,
  /** The `apiary.v1.Witness` agents received (protobuf bytes; L1 got it without prestate and block hashes). */
  witness: hex,
  /** The engine's answer at each level: the truth its answers were scored against. */
  expected: z.strictObject({
    l1: z.record(z.string(), z.unknown()),
    l2: z.record(z.string(), z.unknown()),
    l3: z.record(z.string(), z.unknown()),
  }),
})

export type BundleCanary = z.infer<typeof bundleCanarySchema>

/** jobs.json (docs/spec/bundle.md#jobs); the records themselves are checked with jobRecordSchema. */
export const jobsFileSchema = z.strictObject({
  canaries: z.array(bundleCanarySchema),
  /** Version 3: the client job records (checked with clientJobRecordSchema), in id order. */
  client_jobs: z.array(z.unknown()).optional(),
  epoch: z.number().int().positive(),
  epoch_id: z.string(),
  jobs: z.array(z.unknown()),
  jobs_count: count,
})
