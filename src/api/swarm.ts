import { z } from 'zod'
import { AGENT_OR_PUBLIC, count, declareRoute, errors, isoTime } from './common.ts'

const level = z.string().describe('L1 … L4')
const ratio = z.number().min(0).max(1).nullable().describe('matched / scored; null before any score')

const FieldTally = z.strictObject({ agreed: count, compared: count, accuracy: z.number() })
export const Tally = z
  .strictObject({
    scored: count,
    matched: count,
    accuracy: ratio,
    fields: z.record(z.string(), FieldTally).describe('Per scored field: agreements with the chain'),
  })
  .meta({ id: 'Tally' })

/** An agent's public fields. */
export const AgentView = z
  .strictObject({
    id: z.string(),
    level,
    region: z.string(),
    version: z.string(),
    payoutWallet: z
      .string()
      .describe('Public: every sealed bundle and every settlement transaction names it (docs/security.md)'),
    live: z.boolean().describe('Connected to this coordinator now'),
    registeredAt: isoTime,
    lastSeenAt: isoTime,
    scored: count,
    matched: count,
    accuracy: ratio,
  })
  .meta({ id: 'Agent' })

/** An agent as its own credentials see it. */
export const OwnAgentView = AgentView.extend({
  session: count,
  maxInFlight: count,
  rejections: z.record(z.string(), count).describe('Refused answers by reason code'),
  fields: z.record(z.string(), FieldTally),
  canaries: z.strictObject({
    passed: count,
    failed: count,
    skipped: count.describe('Skips in closed epochs judged deliberate'),
  }),
  excluded: z
    .strictObject({ at: isoTime, reason: z.string().nullable() })
    .nullable()
    .describe('Set once repeated canary failures excluded the agent'),
}).meta({ id: 'OwnAgent' })

export const SwarmStatus = z.strictObject({
  role: z
    .enum(['leader', 'standby'])
    .describe(
      "This replica's role: the leader follows the chain and dispatches; a standby serves the same API from the store and relays agents' calls to the leader",
    ),
  chainId: z.string().describe('Decimal'),
  chainHead: count.nullable(),
  followedBlock: count.nullable(),
  witnessSource: z
    .enum(['traceBlock', 'traceTransaction', 'reexecute'])
    .nullable()
    .describe(
      'How witnesses are built: the node traces per block or per transaction, or the coordinator re-executes blocks (then state diffs are not scored)',
    ),
  agents: z.strictObject({ total: count, live: count }),
  tasks: z.strictObject({
    dispatched: count,
    answered: count,
    rejected: count,
    scored: count,
    matched: count,
  }),
  accuracy: ratio,
  preConfirmation: z
    .strictObject({
      available: z.boolean().nullable().describe('false: the node has no pending block; null: not asked yet'),
      dispatched: count.describe('Pending transactions pre-executed and dispatched'),
      skipped: count.describe('Pending transactions that could not be pre-executed'),
      landed: count.describe('Pre-executed transactions that were then mined'),
      voided: count.describe('Pre-executed transactions that never landed'),
      history: count.describe('Mined transactions dispatched after their block (not seen pending)'),
      share: ratio.describe('dispatched / (dispatched + history): the work done before inclusion'),
    })
    .nullable()
    .describe('Pre-confirmation work (docs/rewards.md#what-earns); null without it'),
  canaries: z
    .strictObject({ made: count, unmade: count, answersPassed: count, answersFailed: count })
    .nullable()
    .describe('Canary tasks made and the answers to them (docs/rewards.md#canaries); null without them'),
  uptimeSeconds: count,
})

export const Readiness = z.strictObject({
  ready: z.boolean(),
  reasons: z.array(z.string()).describe('What keeps the coordinator from serving; empty when ready'),
})

export const TaskView = z.strictObject({
  taskId: z.string(),
  agentId: z.string(),
  level,
  transaction: z.string(),
  block: z.strictObject({ number: count.nullable(), hash: z.string().nullable() }),
  assignedAt: isoTime,
  deadline: isoTime,
  inclusionState: z.string(),
  answered: z.boolean(),
  score: z
    .strictObject({ matched: z.boolean(), fields: z.array(z.string()), mismatches: z.array(z.string()) })
    .nullable(),
  verdict: z
    .strictObject({
      valid: z.boolean(),
      rejectCode: z.string().nullable(),
      hash: z.string(),
      sender: z.string().nullable(),
      status: z.number().int(),
      gasUsed: z.string().describe('0x quantity'),
      logs: count,
      stateChanges: count,
      latencyUs: count,
    })
    .optional()
    .describe("The agent's answer: with the assignee's own credentials only"),
})

const id = z.object({ id: z.string().min(1).max(200) })

export const healthz = declareRoute({
  method: 'GET',
  url: '/healthz',
  operationId: 'getHealth',
  summary: 'Liveness: the process answers',
  tags: ['service'],
  response: { 200: z.strictObject({ ok: z.literal(true) }) },
})

export const readyz = declareRoute({
  method: 'GET',
  url: '/readyz',
  operationId: 'getReadiness',
  summary:
    'Readiness: the store writes, the chain answers and the follower keeps up (or the replay is loaded); `reasons` says what is not',
  tags: ['service'],
  response: { 200: Readiness, 503: Readiness.describe('Not ready') },
})

export const metrics = declareRoute({
  method: 'GET',
  url: '/metrics',
  operationId: 'getMetrics',
  summary: 'Prometheus metrics (text exposition format 0.0.4)',
  tags: ['service'],
  response: { 200: { description: 'Prometheus text', content: { 'text/plain': { schema: z.string() } } } },
})

export const openapi = declareRoute({
  method: 'GET',
  url: '/openapi.json',
  operationId: 'getOpenApi',
  summary: 'This document (OpenAPI 3.1), generated from the schemas the coordinator checks with',
  tags: ['service'],
  response: {
    200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: z.looseObject({}) } } },
  },
})

export const swarmStatus = declareRoute({
  method: 'GET',
  url: '/swarm/status',
  operationId: 'getSwarmStatus',
  summary: 'Swarm status: chain head and followed block, agents, task counters, accuracy',
  tags: ['swarm'],
  response: { 200: SwarmStatus },
})

export const swarmAgents = declareRoute({
  method: 'GET',
  url: '/swarm/agents',
  operationId: 'listAgents',
  summary: 'Every registered agent (public fields)',
  tags: ['swarm'],
  response: { 200: z.strictObject({ agents: z.array(AgentView) }) },
})

export const swarmAgent = declareRoute({
  method: 'GET',
  url: '/swarm/agents/:id',
  operationId: 'getAgent',
  summary: 'One agent; its private fields with its own credentials',
  tags: ['swarm'],
  security: AGENT_OR_PUBLIC,
  params: id,
  response: { 200: z.union([OwnAgentView, AgentView]), 404: errors[404] },
})

export const swarmShadow = declareRoute({
  method: 'GET',
  url: '/swarm/shadow',
  operationId: 'getShadowAccuracy',
  summary: "Accuracy against chain truth, overall and by level and field; L4 agents' own state roots",
  tags: ['swarm'],
  response: {
    200: z.strictObject({
      total: Tally,
      levels: z.record(z.string(), Tally),
      stateRoot: z
        .array(
          z.strictObject({
            agentId: z.string(),
            block: z.number().int().describe('the last block the agent applied and checked'),
            blockHash: z.string(),
            stateRoot: z.string().describe('the state root the agent computed (equal to the header’s)'),
            onChain: z
              .boolean()
              .nullable()
              .describe("the block is the coordinator's block at that height (null: not held any more)"),
            error: z
              .string()
              .nullable()
              .describe('the code of the last diff it refused (e.g. APIARY_STATE_ROOT_MISMATCH), if any'),
            errorBlock: z.number().int().nullable(),
            applied: z.number().int().describe('blocks applied since the agent started'),
            refused: z.number().int().describe('diffs refused since the agent started'),
            reportedAt: z.string().describe('ISO 8601'),
          }),
        )
        .describe("Each L4 agent's last report of its own state (docs/l4.md)"),
    }),
  },
})

export const swarmLeaderboard = declareRoute({
  method: 'GET',
  url: '/swarm/leaderboard',
  operationId: 'getLeaderboard',
  summary: 'Agents ranked by matched results, then accuracy',
  tags: ['swarm'],
  response: {
    200: z.strictObject({ leaderboard: z.array(AgentView.extend({ rank: z.number().int().positive() })) }),
  },
})

export const swarmTask = declareRoute({
  method: 'GET',
  url: '/swarm/tasks/:id',
  operationId: 'getTask',
  summary: "One task: assignment, transaction, score; the verdict with the assignee's credentials",
  tags: ['swarm'],
  security: AGENT_OR_PUBLIC,
  params: id,
  response: { 200: TaskView, 404: errors[404] },
})
