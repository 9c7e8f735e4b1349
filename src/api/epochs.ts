import { z } from 'zod'
import {
  agentsFileSchema,
  clientJobRecordSchema,
  clientReceiptSchema,
  jobRecordSchema,
  receiptSchema,
  summarySchema,
} from '../epoch/index.ts'
import { count, declareRoute, errors, isoTime, queryInt } from './common.ts'
import { epochPage } from './rewards.ts'

export const SealedEpoch = z
  .strictObject({
    epoch: count,
    epochId: z.string().describe('The bundle folder: epoch-NNNNNN'),
    state: z.enum(['open', 'closed', 'sealed', 'anchored', 'damaged']),
    damage: z
      .string()
      .optional()
      .describe('When `damaged`: why the stored files are not the bytes the epoch sealed'),
    startedAt: isoTime,
    closedAt: isoTime.nullable(),
    blocks: z.strictObject({ from: count.nullable(), to: count.nullable() }),
    seal: z
      .strictObject({
        cid: z.string().nullable(),
        jobs: count,
        jobRoot: z.string(),
        payoutRoot: z.string(),
        model: z.enum(['pools', 'f1']),
        distributedWei: z.string(),
        signer: z.string(),
        sealedAt: isoTime,
        pinned: z.boolean(),
        anchor: z
          .strictObject({
            state: z.enum(['none', 'owed', 'sending', 'anchored']),
            registry: z.string(),
            txHash: z.string().nullable(),
            block: count.nullable(),
          })
          .nullable(),
      })
      .nullable(),
  })
  .meta({ id: 'SealedEpoch' })

export const SealedEpochWithSummary = SealedEpoch.extend({
  summary: summarySchema.nullable().describe('SUMMARY.json of a sealed epoch (docs/spec/bundle.md)'),
})

export const EpochList = z.strictObject({
  chainId: count,
  signer: z.string().describe("The coordinator's sealing address"),
  latestSealed: count.nullable(),
  epochs: z.array(SealedEpoch),
  next: count.nullable().describe('Pass as `before` for the next page'),
})

export const CurrentEpoch = z.strictObject({
  epoch: count,
  epochId: z.string(),
  state: z.literal('open'),
  startedAt: isoTime,
  closesAt: isoTime.nullable(),
  startBlock: count.nullable(),
  closesAtBlock: count.nullable(),
  lastSealed: SealedEpoch.nullable(),
})

export const JobPage = z.strictObject({
  epoch: count,
  total: count.describe('Jobs in the epoch'),
  jobs: z.array(jobRecordSchema.meta({ id: 'Job' })),
  next: z.string().nullable().describe('Pass as `after` for the next page'),
})

export const EpochSignature = z.strictObject({
  epoch: count,
  scheme: z.literal('EIP-191 personal_sign'),
  signer: z.string().nullable(),
  signature: z.string().nullable(),
  message: z.string().nullable().describe('The signed text'),
  file: z.string().describe('SIGNATURE.txt verbatim'),
})

export const EpochIpfs = z.strictObject({
  epoch: count,
  cid: z.string().nullable(),
  uri: z.string(),
  pinned: z.boolean(),
  pinnedAt: isoTime.nullable(),
  car: z.string().describe('Where to download the CAR'),
})

/** A receipt as the coordinator serves it: the job is a sealed job record. */
export const ServedReceipt = receiptSchema.extend({ job: jobRecordSchema }).meta({ id: 'Receipt' })

/** A client job's receipt as served: the job is a sealed client job record. */
export const ServedClientReceipt = clientReceiptSchema
  .extend({ job: clientJobRecordSchema })
  .meta({ id: 'ClientReceipt' })

export const Verification = z.strictObject({
  valid: z.boolean(),
  epoch: count.nullable(),
  job: z.string().nullable(),
  signer: z.string().nullable(),
  checks: z.array(
    z.strictObject({
      id: z.string(),
      ok: z.boolean(),
      code: z.string().optional().describe('A stable reason code, on failure'),
      message: z.string(),
    }),
  ),
})

const epochId = z.object({
  id: z
    .string()
    .regex(/^(?:epoch-)?\d{1,9}$/, 'an epoch number (3) or its bundle name (epoch-000003)')
    .describe('The epoch number (`3`) or its bundle name (`epoch-000003`)'),
})
const sealedErrors = { 404: errors[404], 409: errors[409], 503: errors[503] }

export const listEpochs = declareRoute({
  method: 'GET',
  url: '/v1/epochs',
  operationId: 'listEpochs',
  summary:
    'Epochs, newest first: state (open, closed, sealed, anchored, damaged), and each seal (CID, roots, signer, anchor)',
  tags: ['epochs'],
  querystring: epochPage,
  response: { 200: EpochList, 400: errors[400] },
})

export const currentEpoch = declareRoute({
  method: 'GET',
  url: '/v1/epochs/current',
  operationId: 'getCurrentEpoch',
  summary: 'The open epoch (when it closes, by time or block) and the last sealed one',
  tags: ['epochs'],
  response: { 200: CurrentEpoch, 503: errors[503].describe('NO_LEADER: no replica has led yet') },
})

export const getEpoch = declareRoute({
  method: 'GET',
  url: '/v1/epochs/:id',
  operationId: 'getEpoch',
  summary: 'One epoch; once sealed, with its SUMMARY.json under `summary` (docs/spec/bundle.md)',
  tags: ['epochs'],
  params: epochId,
  response: { 200: SealedEpochWithSummary, 400: errors[400], 404: errors[404] },
})

export const epochJobs = declareRoute({
  method: 'GET',
  url: '/v1/epochs/:id/jobs',
  operationId: 'listEpochJobs',
  summary: "A page of a sealed epoch's job records in id order (docs/spec/epoch-merkle.md#job-record)",
  tags: ['epochs'],
  params: epochId,
  querystring: z.object({
    after: z.string().max(64).optional().describe('Jobs with ids after this one'),
    limit: queryInt(1, 1000).default(100),
    agent: z
      .string()
      .regex(/^0x[0-9a-fA-F]{40}$/, 'a 0x address')
      .optional()
      .describe("Only this payout address's jobs"),
  }),
  response: { 200: JobPage, 400: errors[400], ...sealedErrors },
})

export const epochAgents = declareRoute({
  method: 'GET',
  url: '/v1/epochs/:id/agents',
  operationId: 'getEpochAgents',
  summary:
    "agents.json of a sealed epoch, byte for byte: each agent's work, weight and uptime, each payout with its proof",
  tags: ['epochs'],
  params: epochId,
  response: {
    200: { description: 'agents.json', content: { 'application/json': { schema: agentsFileSchema } } },
    400: errors[400],
    ...sealedErrors,
  },
})

export const epochSignature = declareRoute({
  method: 'GET',
  url: '/v1/epochs/:id/signature',
  operationId: 'getEpochSignature',
  summary: 'The seal: the signed text, the signer, the EIP-191 signature and SIGNATURE.txt verbatim',
  tags: ['epochs'],
  params: epochId,
  response: { 200: EpochSignature, 400: errors[400], ...sealedErrors },
})

export const epochIpfs = declareRoute({
  method: 'GET',
  url: '/v1/epochs/:id/ipfs',
  operationId: 'getEpochIpfs',
  summary: "The bundle's UnixFS CIDv1 and whether it is pinned (--ipfs-api)",
  tags: ['epochs'],
  params: epochId,
  response: { 200: EpochIpfs, 400: errors[400], ...sealedErrors },
})

export const epochCar = declareRoute({
  method: 'GET',
  url: '/v1/epochs/:id/car',
  operationId: 'getEpochCar',
  summary: 'The bundle as a CAR file (its root is the CID); `apiary verify bundle file.car` checks it',
  tags: ['epochs'],
  params: epochId,
  response: {
    200: {
      description: 'CAR v1',
      content: { 'application/vnd.ipld.car': { schema: z.string().meta({ format: 'binary' }) } },
    },
    400: errors[400],
    ...sealedErrors,
  },
})

export const jobReceipt = declareRoute({
  method: 'GET',
  url: '/v1/jobs/:jobId/receipt',
  operationId: 'getJobReceipt',
  summary:
    'A job receipt (docs/spec/bundle.md#receipt): the job, its inclusion proof, the root, the seal and the anchor once final',
  tags: ['epochs'],
  description:
    'A validation job (`EEEEEE-SSSSSSSS`) gets a receipt against the job root; a client job (32 hex digits) gets one against the client job root with its charge, once the epoch that charged it is sealed (409 `JOB_NOT_SEALED` before).',
  params: z.object({
    jobId: z
      .string()
      .regex(/^(\d{6,}-\d{8}|[0-9a-f]{32})$/, 'a validation job id (EEEEEE-SSSSSSSS) or a client job id'),
  }),
  response: { 200: z.union([ServedReceipt, ServedClientReceipt]), 400: errors[400], ...sealedErrors },
})

export const verify = declareRoute({
  method: 'POST',
  url: '/v1/verify',
  operationId: 'verifyReceipt',
  summary:
    "Verify a job receipt: every offline check, the seal signed by this coordinator's sealing key, and (with a chain) the anchor",
  description: 'Any JSON body is accepted: what is not a receipt fails the `receipt` check with its reason.',
  tags: ['epochs'],
  body: z.unknown().describe('A receipt as GET /v1/jobs/{jobId}/receipt serves it'),
  response: { 200: Verification, 400: errors[400] },
})
