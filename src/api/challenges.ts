import { z } from 'zod'
import { address, count, declareRoute, errors, hexBytes, quantity } from './common.ts'

const hash = hexBytes

/** A challenge as listed (numbers as 0x quantities, as everywhere challenges are served). */
export const ChallengeSummary = z.strictObject({
  id: quantity,
  creator: address,
  prompt: z.string(),
  startBlock: quantity,
  difficulty: quantity,
  commitDeadline: quantity,
  revealDeadline: quantity,
  minAgents: count,
  invitees: count,
  phase: z.enum(['commit', 'reveal', 'finalizable', 'finalized']),
  score: count.nullable(),
  passed: z.boolean().nullable(),
})

const Verdict = z.strictObject({
  agent: address,
  committed: z.boolean(),
  revealed: z.boolean(),
  answered: z.boolean(),
})

export const ChallengeMetrics = z.strictObject({
  phase: ChallengeSummary.shape.phase,
  invitees: count,
  commits: count,
  reveals: count,
  spread: count.describe('Last commit block − first'),
  participationBps: count,
  revealRateBps: count,
  answered: count.optional(),
  verdicts: z
    .array(Verdict)
    .optional()
    .describe("Each invitee's verdict, once the expected answers are known"),
  score: count.optional(),
  passed: z.boolean().optional(),
  agrees: z.boolean().optional().describe("Finalized: the contract's figures equal these"),
})

export const ChallengeDetail = z.strictObject({
  id: quantity,
  creator: address,
  seed: hash,
  prompt: z.string().describe('`promptOrCid` as UTF-8 text when it is valid UTF-8, else hex'),
  startBlock: quantity,
  openHash: hash,
  difficulty: quantity,
  commitDeadline: quantity,
  revealDeadline: quantity,
  minAgents: count,
  invitees: z.array(address),
  createdTx: hash,
  commits: z.array(z.strictObject({ agent: address, block: quantity, commitment: hash, tx: hash })),
  reveals: z.array(z.strictObject({ agent: address, block: quantity, answer: hash, tx: hash })),
  finalized: z
    .strictObject({
      score: count,
      participants: count,
      revealed: count,
      answered: count,
      spread: quantity,
      swarmHash: hash,
      passed: z.boolean(),
      block: quantity,
      tx: hash,
      expectedAnswers: z.array(hash).optional(),
    })
    .optional(),
  metrics: ChallengeMetrics,
  validation: z
    .strictObject({
      registry: address,
      requestHash: hash,
      agentId: quantity,
      response: count.optional(),
      tag: z.string(),
    })
    .nullable()
    .describe('The ERC-8004 validation of a finalized challenge (null: none)'),
  capacity: z
    .strictObject({
      units: count,
      taskSeconds: z.number(),
      elapsedSeconds: z.number(),
      tasksPerUnit: count,
      answered: count,
      machineClass: z.strictObject({ gasPerSecond: z.number(), name: z.string() }),
      difficulty: quantity,
    })
    .nullable()
    .describe('The capacity bound its answers support, once finalized (null: none)'),
  indexedTo: quantity,
})

export const listChallenges = declareRoute({
  method: 'GET',
  url: '/v1/challenges',
  operationId: 'listChallenges',
  summary:
    'Proof of Swarm challenges of the indexed SwarmChallenge, newest first (docs/spec/challenge.md): window, invitees, phase, on-chain score',
  tags: ['challenges'],
  querystring: z.object({ limit: z.coerce.number<string>().int().min(1).max(500).default(50) }),
  response: {
    200: z.strictObject({
      contract: address,
      indexedTo: quantity.describe('Last block indexed'),
      challenges: z.array(ChallengeSummary),
    }),
    400: errors[400],
  },
})

export const getChallenge = declareRoute({
  method: 'GET',
  url: '/v1/challenges/:id',
  operationId: 'getChallenge',
  summary:
    'One challenge: creation, commits and reveals with their blocks, finalization, the off-chain metrics, its capacity bound and its ERC-8004 validation',
  tags: ['challenges'],
  params: z.object({
    id: z.string().regex(/^([0-9]{1,78}|0x[0-9a-fA-F]{1,64})$/, 'a decimal or 0x-hex number'),
  }),
  response: { 200: ChallengeDetail, 400: errors[400], 404: errors[404] },
})
