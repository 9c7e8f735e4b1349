import { z } from 'zod'
import { simulationInput } from '../validation/index.ts'
import {
  ApiError,
  address,
  CLIENT,
  count,
  decimal,
  declareRoute,
  errors,
  isoTime,
  queryInt,
} from './common.ts'

const tags = ['jobs']
export const JOB_STATES = ['queued', 'running', 'completed', 'failed', 'canceled', 'expired'] as const
export const ASSETS = ['coin', 'token'] as const

const jobId = z.string().regex(/^[0-9a-f]{32}$/)

/** `POST /v1/jobs`: one job of a type the swarm runs, with the most the client will pay for it. */
export const JobRequest = z
  .strictObject({
    type: z.literal('evm.simulate'),
    input: simulationInput,
    maxFee: decimal.describe("The most this job may cost, in the asset's base units: reserved at once"),
    asset: z.enum(ASSETS).default('coin').describe('What pays: the chain coin or the escrow’s ERC-20'),
    ttlSeconds: z.number().int().min(1).max(3600).default(300),
  })
  .meta({ id: 'ClientJobRequest' })

export const Job = z
  .strictObject({
    id: jobId,
    client: address,
    type: z.string(),
    asset: z.enum(ASSETS),
    state: z.enum(JOB_STATES),
    maxFee: decimal,
    reserved: decimal.describe('What the job holds of the client’s balance now'),
    fee: decimal.nullable().describe('The charge, once completed'),
    epoch: count.nullable().describe('The epoch the charge counts in'),
    createdAt: isoTime,
    startedAt: isoTime.nullable(),
    finishedAt: isoTime.nullable(),
    expiresAt: isoTime,
    rounds: count,
    agents: z.array(
      z.strictObject({
        agentId: z.string(),
        outputSha256: z.string(),
        executionMs: count,
        matched: z.boolean().nullable().describe('In the agreed majority; null until the job is decided'),
      }),
    ),
    output: z.unknown().nullable().describe('The agreed output (docs/spec/jobs.md), once completed'),
    outputSha256: z.string().nullable().describe('sha256 of the output’s canonical JSON: its poe_hash'),
    error: z.string().nullable().describe('Why the job failed, a reason code'),
  })
  .meta({ id: 'ClientJob' })

const PaymentRequired = ApiError.extend({
  needed: decimal,
  available: decimal,
  asset: z.enum(ASSETS),
}).meta({ id: 'PaymentRequired' })

const clientErrors = {
  401: ApiError.describe('Missing or wrong client credentials (UNAUTHENTICATED)'),
  403: ApiError.describe('The client is revoked (REVOKED)'),
}

export const submit = declareRoute({
  method: 'POST',
  url: '/v1/jobs',
  operationId: 'submitJob',
  summary: 'Submits a job; its max fee is reserved from the client’s escrow balance',
  tags,
  security: CLIENT,
  body: JobRequest,
  response: {
    202: Job,
    400: ApiError.describe('Malformed job, or a max fee below the price (BAD_REQUEST, FEE_BELOW_PRICE)'),
    ...clientErrors,
    402: PaymentRequired.describe(
      'Not enough available balance (PAYMENT_REQUIRED): what is needed and available',
    ),
    503: ApiError.describe(
      'Jobs are not enabled (JOBS_DISABLED), or this replica does not lead (NOT_LEADER)',
    ),
  },
})

const idParams = z.strictObject({ id: z.string().max(64) })

export const get = declareRoute({
  method: 'GET',
  url: '/v1/jobs/:id',
  operationId: 'getJob',
  summary: 'One of the caller’s jobs (404 for any other)',
  tags,
  security: CLIENT,
  params: idParams,
  response: { 200: Job, ...clientErrors, 404: errors[404] },
})

export const cancel = declareRoute({
  method: 'DELETE',
  url: '/v1/jobs/:id',
  operationId: 'cancelJob',
  summary: 'Cancels a queued or running job: its reservation is released',
  tags,
  security: CLIENT,
  params: idParams,
  response: {
    200: Job,
    ...clientErrors,
    404: errors[404],
    409: ApiError.describe('The job is already completed, failed, canceled or expired (JOB_FINISHED)'),
    503: ApiError.describe('This replica does not lead (NOT_LEADER)'),
  },
})

export const list = declareRoute({
  method: 'GET',
  url: '/v1/jobs',
  operationId: 'listJobs',
  summary: 'The caller’s jobs, newest first',
  tags,
  security: CLIENT,
  querystring: z.strictObject({
    client: address.describe('Must be the caller'),
    before: queryInt(0, Number.MAX_SAFE_INTEGER).optional().describe('Jobs created before this (unix ms)'),
    limit: queryInt(1, 1000).default(100),
  }),
  response: {
    200: z.strictObject({
      jobs: z.array(Job),
      next: z.number().int().nullable().describe('`before` for the next page; null at the end'),
    }),
    400: errors[400],
    ...clientErrors,
  },
})

export const prices = declareRoute({
  method: 'GET',
  url: '/v1/jobs/prices',
  operationId: 'jobPrices',
  summary: 'The operator’s price list and the escrow that pays it',
  tags,
  response: {
    200: z.strictObject({
      escrow: address.nullable().describe('The JobEscrow clients deposit into; null: jobs are not enabled'),
      prices: z.array(
        z.strictObject({
          type: z.string(),
          asset: z.enum(ASSETS),
          unit: z.enum(['transaction']),
          amount: decimal.describe('Price per unit, in the asset’s base units'),
        }),
      ),
    }),
  },
})

export const EpochCharges = z
  .strictObject({
    epoch: count,
    escrow: address.nullable(),
    batches: z.array(
      z.strictObject({
        asset: z.enum(ASSETS),
        root: z
          .string()
          .describe('The charge tree’s root, recorded by JobEscrow.charge in its Charged event'),
        total: decimal,
        clients: count,
        state: z.enum(['owed', 'charged']),
        txHash: z.string().nullable().describe('The JobEscrow.charge transaction, once charged'),
      }),
    ),
    charges: z.array(
      z.strictObject({
        client: address,
        asset: z.enum(ASSETS),
        amount: decimal,
        jobs: count,
        proof: z
          .array(z.string())
          .describe('OpenZeppelin proof of (client, asset id, amount) under the root'),
      }),
    ),
  })
  .meta({ id: 'EpochCharges' })

export const charges = declareRoute({
  method: 'GET',
  url: '/v1/epochs/:id/charges',
  operationId: 'epochCharges',
  summary: 'What each client was charged in a closed epoch, with its proof under the on-chain charge root',
  tags,
  params: z.strictObject({ id: z.coerce.number<string>().int().min(1).max(999_999_999) }),
  querystring: z.strictObject({ client: address.optional().describe('Only this client’s charges') }),
  response: { 200: EpochCharges, 400: errors[400] },
})

export const signInNonce = declareRoute({
  method: 'GET',
  url: '/v1/auth/nonce',
  operationId: 'signInNonce',
  summary: 'A nonce for Sign-In with Ethereum (EIP-4361): valid 5 minutes, once',
  tags,
  response: {
    200: z.strictObject({
      nonce: z.string().describe('Put it in the SIWE message as its Nonce'),
      chainId: count.describe('The Chain ID the message must name'),
      expiresAt: isoTime,
    }),
    429: errors[429],
  },
})

export const SignInRequest = z
  .strictObject({
    message: z.string().max(2048).describe('The EIP-4361 message, as signed'),
    signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, 'a 65-byte signature'),
  })
  .meta({ id: 'SignInRequest' })

export const signIn = declareRoute({
  method: 'POST',
  url: '/v1/auth/siwe',
  operationId: 'signIn',
  summary:
    "Sign in with a wallet (EIP-4361): a SIWE message for this coordinator's host and chain, with a nonce it issued, signed by the wallet, gets the client's API key",
  description:
    'Refusals: 400 `SIWE_INVALID` (not EIP-4361, another domain or chain, expired), 401 `SIWE_NONCE_INVALID` (not issued here, expired or used), 401 `SIWE_SIGNATURE_INVALID` (not signed by the address), 403 `REVOKED`. Only EOA signatures.',
  tags,
  body: SignInRequest,
  response: {
    200: z.strictObject({
      client: address,
      apiKey: z.string().describe('Send it as `authorization: Bearer …` with `x-apiary-client`'),
    }),
    400: errors[400],
    401: ApiError.describe('SIWE_NONCE_INVALID or SIWE_SIGNATURE_INVALID'),
    403: ApiError.describe('REVOKED'),
    429: errors[429],
  },
})
