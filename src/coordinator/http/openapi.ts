/** OpenAPI 3.1 description of the coordinator's HTTP API, served at /openapi.json. */
const json = (schema: Record<string, unknown>, description = 'OK') => ({
  description,
  content: { 'application/json': { schema } },
})
const error = json({ $ref: '#/components/schemas/Error' }, 'Not found')
const credentials = [{}, { agentKey: [], agentId: [] }]

export const OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'Apiary coordinator',
    version: '0.1.0',
    description:
      "Read-only view of a coordinator: swarm status, agents, accuracy against chain truth, tasks. Agent-private fields are returned only with that agent's credentials (`x-apiary-agent-id` and `authorization: Bearer apiary_…`).",
  },
  components: {
    securitySchemes: {
      agentKey: { type: 'http', scheme: 'bearer', description: "The agent's API key (apiary apikey)." },
      agentId: { type: 'apiKey', in: 'header', name: 'x-apiary-agent-id' },
    },
    schemas: {
      Error: {
        type: 'object',
        required: ['code', 'message'],
        properties: { code: { type: 'string' }, message: { type: 'string' } },
      },
      Tally: {
        type: 'object',
        properties: {
          scored: { type: 'integer' },
          matched: { type: 'integer' },
          accuracy: { type: ['number', 'null'] },
          fields: {
            type: 'object',
            additionalProperties: {
              type: 'object',
              properties: {
                agreed: { type: 'integer' },
                compared: { type: 'integer' },
                accuracy: { type: 'number' },
              },
            },
          },
        },
      },
      Epoch: {
        type: 'object',
        description: 'Wei amounts and weights are decimal strings.',
        properties: {
          epoch: { type: 'integer' },
          state: { type: 'string', enum: ['open', 'owed', 'sending', 'settled', 'skipped'] },
          startedAt: { type: 'string', format: 'date-time' },
          closedAt: { type: ['string', 'null'], format: 'date-time' },
          startBlock: { type: ['integer', 'null'] },
          endBlock: { type: ['integer', 'null'] },
          rewardWei: { type: 'string' },
          delegateCutWei: { type: 'string' },
          depositWei: { type: 'string' },
          totalWeight: { type: 'string' },
          scored: { type: 'integer' },
          matched: { type: 'integer' },
          agentsPaid: { type: 'integer' },
          settlement: {
            type: ['object', 'null'],
            properties: {
              txHash: { type: ['string', 'null'] },
              block: { type: ['integer', 'null'] },
              settledAt: { type: ['string', 'null'], format: 'date-time' },
              attempts: { type: 'integer' },
              lastError: { type: ['string', 'null'] },
            },
          },
          leaderboard: {
            type: 'array',
            description: 'Only for /swarm/epochs/{number}.',
            items: {
              type: 'object',
              properties: {
                rank: { type: 'integer', description: '0 for agents of weight 0' },
                agentId: { type: 'string' },
                scored: { type: 'integer' },
                matched: { type: 'integer' },
                accuracyBps: { type: 'integer' },
                bonus: { type: 'boolean' },
                weight: { type: 'string' },
                amountWei: { type: 'string' },
              },
            },
          },
        },
      },
      Agent: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          level: { type: 'string', enum: ['L1', 'L2', 'L3'] },
          region: { type: 'string' },
          version: { type: 'string' },
          live: { type: 'boolean' },
          registeredAt: { type: 'string', format: 'date-time' },
          lastSeenAt: { type: 'string', format: 'date-time' },
          scored: { type: 'integer' },
          matched: { type: 'integer' },
          accuracy: { type: ['number', 'null'] },
          payoutWallet: { type: 'string', description: 'Own credentials only.' },
          session: { type: 'integer', description: 'Own credentials only.' },
          maxInFlight: { type: 'integer', description: 'Own credentials only.' },
          rejections: {
            type: 'object',
            additionalProperties: { type: 'integer' },
            description: 'Own credentials only.',
          },
        },
      },
    },
  },
  paths: {
    '/healthz': { get: { summary: 'Liveness', responses: { 200: json({ type: 'object' }) } } },
    '/readyz': {
      get: {
        summary: 'Readiness: the store is open and the chain (or replay) is being followed',
        responses: { 200: json({ type: 'object' }), 503: json({ type: 'object' }, 'Not ready') },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics',
        responses: { 200: { description: 'OK', content: { 'text/plain': {} } } },
      },
    },
    '/openapi.json': { get: { summary: 'This document', responses: { 200: json({ type: 'object' }) } } },
    '/swarm/status': {
      get: {
        summary: 'Swarm status',
        responses: {
          200: json({
            type: 'object',
            properties: {
              chainId: { type: 'string' },
              rpcUrl: { type: ['string', 'null'], description: 'Credentials redacted.' },
              chainHead: { type: ['integer', 'null'] },
              followedBlock: { type: ['integer', 'null'] },
              witnessSource: {
                type: ['string', 'null'],
                enum: ['traceBlock', 'traceTransaction', 'reexecute', null],
                description:
                  'How witnesses are built: the node traces per block or per transaction, or the coordinator re-executes blocks (then state diffs are not scored).',
              },
              agents: {
                type: 'object',
                properties: { total: { type: 'integer' }, live: { type: 'integer' } },
              },
              tasks: {
                type: 'object',
                properties: {
                  dispatched: { type: 'integer' },
                  answered: { type: 'integer' },
                  rejected: { type: 'integer' },
                  scored: { type: 'integer' },
                  matched: { type: 'integer' },
                },
              },
              accuracy: { type: ['number', 'null'] },
              uptimeSeconds: { type: 'integer' },
            },
          }),
        },
      },
    },
    '/swarm/agents': {
      get: {
        summary: 'Every registered agent (public fields)',
        responses: {
          200: json({
            type: 'object',
            properties: { agents: { type: 'array', items: { $ref: '#/components/schemas/Agent' } } },
          }),
        },
      },
    },
    '/swarm/agents/{id}': {
      get: {
        summary: 'One agent; private fields with its own credentials',
        security: credentials,
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { 200: json({ $ref: '#/components/schemas/Agent' }), 404: error },
      },
    },
    '/swarm/shadow': {
      get: {
        summary: 'Accuracy against chain truth, overall and by level and field',
        responses: {
          200: json({
            type: 'object',
            properties: {
              total: { $ref: '#/components/schemas/Tally' },
              levels: { type: 'object', additionalProperties: { $ref: '#/components/schemas/Tally' } },
            },
          }),
        },
      },
    },
    '/swarm/leaderboard': {
      get: {
        summary: 'Agents ranked by matched results, then accuracy',
        responses: {
          200: json({
            type: 'object',
            properties: { leaderboard: { type: 'array', items: { $ref: '#/components/schemas/Agent' } } },
          }),
        },
      },
    },
    '/swarm/epoch': {
      get: {
        summary:
          'The open epoch (when it closes, by time or block), the reward pool, the hot wallet, epochs owed and the last settlement',
        responses: { 200: json({ type: 'object' }), 404: error },
      },
    },
    '/swarm/epochs': {
      get: {
        summary: 'Epoch history, newest first, with each settlement transaction',
        parameters: [
          {
            name: 'before',
            in: 'query',
            schema: { type: 'integer' },
            description: 'Epochs numbered below this.',
          },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
        ],
        responses: {
          200: json({
            type: 'object',
            properties: { epochs: { type: 'array', items: { $ref: '#/components/schemas/Epoch' } } },
          }),
        },
      },
    },
    '/swarm/epochs/{number}': {
      get: {
        summary: "One epoch with its leaderboard: each agent's work, weight, rank and amount",
        parameters: [{ name: 'number', in: 'path', required: true, schema: { type: 'integer' } }],
        responses: { 200: json({ $ref: '#/components/schemas/Epoch' }), 404: error },
      },
    },
    '/api/rewards': {
      get: {
        summary:
          "An agent's rewards per epoch and in total (settled: what the pool credited; owed: closed, not yet settled)",
        parameters: [{ name: 'agent', in: 'query', required: true, schema: { type: 'string' } }],
        responses: { 200: json({ type: 'object' }), 400: error },
      },
    },
    '/swarm/tasks/{id}': {
      get: {
        summary: "One task: assignment, transaction, score; the verdict with the assignee's credentials",
        security: credentials,
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { 200: json({ type: 'object' }), 404: error },
      },
    },
  },
} as const
