/** OpenAPI 3.1 description of the coordinator's HTTP API, served at /openapi.json. */
const json = (schema: Record<string, unknown>, description = 'OK') => ({
  description,
  content: { 'application/json': { schema } },
})
const error = json({ $ref: '#/components/schemas/Error' }, 'Not found')
const credentials = [{}, { agentKey: [], agentId: [] }]
const epochId = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description: 'The epoch number (`3`) or its bundle name (`epoch-000003`)',
}
/** `?before=N&limit=` of the epoch listings. */
const epochPage = [
  { name: 'before', in: 'query', schema: { type: 'integer' }, description: 'Epochs numbered below this.' },
  { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
]
const notSealed = json(
  { $ref: '#/components/schemas/Error' },
  'The epoch is not sealed yet (EPOCH_NOT_SEALED)',
)

const DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'Apiary coordinator',
    version: '0.1.0',
    description:
      "Read-only view of a coordinator: swarm status, agents, accuracy against chain truth, tasks, epochs and their sealed bundles (/v1); POST /v1/verify checks a job receipt. Every operation is public (`security: []`) except that some return more with an agent's own credentials (`x-apiary-agent-id` and `authorization: Bearer apiary_…`): its session, in-flight limit, refusals, per-field accuracy and verdicts. Payout wallets are public: sealed bundles and settlement transactions name them. Every client is rate-limited per IP (429 RATE_LIMITED); errors are `{code, message}` and a 500 carries only `requestId` (docs/security.md).",
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
      SealedEpoch: {
        type: 'object',
        properties: {
          epoch: { type: 'integer' },
          epochId: { type: 'string' },
          state: { type: 'string', enum: ['open', 'closed', 'sealed', 'anchored'] },
          startedAt: { type: 'string', format: 'date-time' },
          closedAt: { type: ['string', 'null'], format: 'date-time' },
          blocks: { type: 'object' },
          seal: {
            type: ['object', 'null'],
            properties: {
              cid: { type: 'string' },
              jobs: { type: 'integer' },
              jobRoot: { type: 'string' },
              payoutRoot: { type: 'string' },
              model: { type: 'string', enum: ['pools', 'f1'] },
              distributedWei: { type: 'string' },
              signer: { type: 'string' },
              sealedAt: { type: 'string', format: 'date-time' },
              pinned: { type: 'boolean' },
              anchor: {
                type: ['object', 'null'],
                properties: {
                  state: { type: 'string', enum: ['none', 'owed', 'sending', 'anchored'] },
                  registry: { type: 'string' },
                  txHash: { type: ['string', 'null'] },
                  block: { type: ['integer', 'null'] },
                },
              },
            },
          },
          summary: { type: ['object', 'null'], description: 'SUMMARY.json, on /v1/epochs/{id} only' },
        },
      },
      Epoch: {
        type: 'object',
        description: 'Wei amounts and weights are decimal strings.',
        properties: {
          epoch: { type: 'integer' },
          state: {
            type: 'string',
            enum: ['open', 'owed', 'sending', 'settled', 'skipped', 'carried'],
            description:
              '`carried`: nobody earned in it (nothing could be scored); its reward was added to the next epoch.',
          },
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
          payoutWallet: {
            type: 'string',
            description:
              'Public: every sealed bundle and every settlement transaction names it (docs/security.md).',
          },
          session: { type: 'integer', description: 'Own credentials only.' },
          maxInFlight: { type: 'integer', description: 'Own credentials only.' },
          rejections: {
            type: 'object',
            additionalProperties: { type: 'integer' },
            description: 'Own credentials only.',
          },
          canaries: {
            type: 'object',
            properties: {
              passed: { type: 'integer' },
              failed: { type: 'integer' },
              skipped: { type: 'integer', description: 'Skips closed epochs judged deliberate.' },
            },
            description: 'Own credentials only: canary answers (docs/rewards.md#canaries).',
          },
          excluded: {
            type: ['object', 'null'],
            properties: { at: { type: 'string', format: 'date-time' }, reason: { type: 'string' } },
            description: 'Own credentials only: set once repeated canary failures excluded the agent.',
          },
        },
      },
    },
  },
  paths: {
    '/healthz': { get: { summary: 'Liveness', responses: { 200: json({ type: 'object' }) } } },
    '/readyz': {
      get: {
        summary:
          'Readiness: the store writes, the chain answers and the follower keeps up (or the replay is loaded); `reasons` says what is not',
        responses: {
          200: json({ type: 'object' }),
          503: json(
            {
              type: 'object',
              properties: {
                ready: { type: 'boolean' },
                reasons: { type: 'array', items: { type: 'string' } },
              },
            },
            'Not ready',
          ),
        },
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
          'The open epoch (when it closes, by time or block), the reward pool, the hot wallet, epochs owed, the last settlement and canaryCommitment (sha256 of the seed its canaries are signed from)',
        responses: { 200: json({ type: 'object' }), 404: error },
      },
    },
    '/swarm/epochs': {
      get: {
        summary: 'Epoch history, newest first, with each settlement transaction',
        parameters: epochPage,
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
    '/v1/epochs': {
      get: {
        summary:
          'Epochs, newest first: state (open, closed, sealed, anchored), and each seal (CID, roots, signer, anchor)',
        parameters: epochPage,
        responses: {
          200: json({
            type: 'object',
            properties: {
              chainId: { type: 'integer' },
              signer: { type: 'string', description: "The coordinator's sealing address" },
              latestSealed: { type: ['integer', 'null'] },
              epochs: { type: 'array', items: { $ref: '#/components/schemas/SealedEpoch' } },
              next: { type: ['integer', 'null'], description: 'Pass as `before` for the next page.' },
            },
          }),
          400: error,
        },
      },
    },
    '/v1/epochs/current': {
      get: {
        summary: 'The open epoch (when it closes, by time or block) and the last sealed one',
        responses: { 200: json({ type: 'object' }) },
      },
    },
    '/v1/epochs/{id}': {
      get: {
        summary: 'One epoch; once sealed, with its SUMMARY.json under `summary` (docs/spec/bundle.md)',
        parameters: [epochId],
        responses: { 200: json({ $ref: '#/components/schemas/SealedEpoch' }), 404: error },
      },
    },
    '/v1/epochs/{id}/jobs': {
      get: {
        summary: "A page of a sealed epoch's job records in id order (docs/spec/epoch-merkle.md#job-record)",
        parameters: [
          epochId,
          {
            name: 'after',
            in: 'query',
            schema: { type: 'string' },
            description: 'Jobs with ids after this one.',
          },
          {
            name: 'limit',
            in: 'query',
            schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
          {
            name: 'agent',
            in: 'query',
            schema: { type: 'string' },
            description: "Only this payout address's jobs.",
          },
        ],
        responses: {
          200: json({
            type: 'object',
            properties: {
              epoch: { type: 'integer' },
              total: { type: 'integer', description: 'Jobs in the epoch' },
              jobs: { type: 'array', items: { type: 'object' } },
              next: { type: ['string', 'null'], description: 'Pass as `after` for the next page.' },
            },
          }),
          400: error,
          404: error,
          409: notSealed,
        },
      },
    },
    '/v1/epochs/{id}/agents': {
      get: {
        summary:
          "agents.json of a sealed epoch, byte for byte: each agent's work, weight and uptime, each payout with its proof",
        parameters: [epochId],
        responses: { 200: json({ type: 'object' }), 404: error, 409: notSealed },
      },
    },
    '/v1/epochs/{id}/signature': {
      get: {
        summary: 'The seal: the signed text, the signer, the EIP-191 signature and SIGNATURE.txt verbatim',
        parameters: [epochId],
        responses: { 200: json({ type: 'object' }), 404: error, 409: notSealed },
      },
    },
    '/v1/epochs/{id}/ipfs': {
      get: {
        summary: "The bundle's UnixFS CIDv1 and whether it is pinned (--ipfs-api)",
        parameters: [epochId],
        responses: { 200: json({ type: 'object' }), 404: error, 409: notSealed },
      },
    },
    '/v1/epochs/{id}/car': {
      get: {
        summary: 'The bundle as a CAR file (its root is the CID); `apiary verify bundle file.car` checks it',
        parameters: [epochId],
        responses: {
          200: {
            description: 'CAR v1',
            content: { 'application/vnd.ipld.car': { schema: { type: 'string', format: 'binary' } } },
          },
          404: error,
          409: notSealed,
        },
      },
    },
    '/v1/jobs/{jobId}/receipt': {
      get: {
        summary:
          'A job receipt (docs/spec/bundle.md#receipt): the job, its inclusion proof, the root, the seal and the anchor once final',
        parameters: [
          {
            name: 'jobId',
            in: 'path',
            required: true,
            schema: { type: 'string', pattern: '^\\d{6,}-\\d{8}$' },
          },
        ],
        responses: { 200: json({ type: 'object' }), 400: error, 404: error, 409: notSealed },
      },
    },
    '/v1/challenges': {
      get: {
        summary:
          'Proof of Swarm challenges of the indexed SwarmChallenge, newest first (docs/spec/challenge.md): window, invitees, phase, on-chain score',
        parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500 } }],
        responses: {
          200: json({
            type: 'object',
            properties: {
              contract: { type: 'string' },
              indexedTo: { type: 'string', description: 'Last block indexed (0x quantity)' },
              challenges: { type: 'array', items: { type: 'object' } },
            },
          }),
          400: json({ $ref: '#/components/schemas/Error' }, 'Bad limit'),
        },
      },
    },
    '/v1/challenges/{id}': {
      get: {
        summary:
          'One challenge: creation (with its difficulty and opening hash), commits with their blocks, reveals, finalization, the off-chain metrics (participation, reveal rate, spread, each invitee verdict, answered, score, agrees), its capacity bound once finalized (units, taskSeconds, elapsedSeconds, tasksPerUnit, machineClass; null: none) and its ERC-8004 validation (null: none)',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          200: json({ type: 'object' }),
          400: json({ $ref: '#/components/schemas/Error' }, 'Not a decimal or 0x-hex id'),
          404: json({ $ref: '#/components/schemas/Error' }, 'CHALLENGE_UNKNOWN'),
        },
      },
    },
    '/v1/blocks': {
      get: {
        summary:
          'Blocks with their full transactions, as eth_getBlockByNumber gives them, at most 100 per request (from the chain the coordinator follows)',
        parameters: [
          { name: 'from', in: 'query', required: true, schema: { type: 'integer', minimum: 0 } },
          { name: 'to', in: 'query', schema: { type: 'integer', minimum: 0 } },
        ],
        responses: {
          200: json({
            type: 'object',
            properties: {
              from: { type: 'integer' },
              to: { type: 'integer', description: 'Last block returned (at most the head)' },
              blocks: { type: 'array', items: { type: 'object' } },
            },
          }),
          400: json({ $ref: '#/components/schemas/Error' }, 'Bad range'),
        },
      },
    },
    '/v1/transactions': {
      get: {
        summary:
          'Transactions sent from or to an address in the blocks the coordinator followed, newest first; page with before=next',
        parameters: [
          { name: 'address', in: 'query', required: true, schema: { type: 'string' } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
          { name: 'before', in: 'query', schema: { type: 'integer', minimum: 0 } },
        ],
        responses: {
          200: json({
            type: 'object',
            properties: {
              address: { type: 'string' },
              indexed: { type: 'object', description: 'First and last block followed' },
              transactions: { type: 'array', items: { type: 'object' } },
              next: { type: ['integer', 'null'], description: 'before= for the next page' },
            },
          }),
          400: json({ $ref: '#/components/schemas/Error' }, 'Bad address, limit or before'),
        },
      },
    },
    '/v1/messages': {
      get: {
        summary:
          'Mailbox messages (docs/spec/message.md), oldest first, to one address or all, over at most 10,000 blocks per request; encrypted ones show as encrypted, unreadable ones with their rejection code',
        parameters: [
          { name: 'address', in: 'query', schema: { type: 'string' } },
          { name: 'since', in: 'query', schema: { type: 'integer', minimum: 0 } },
          { name: 'to', in: 'query', schema: { type: 'integer', minimum: 0 } },
        ],
        responses: {
          200: json({
            type: 'object',
            properties: {
              mailbox: { type: 'string' },
              fromBlock: { type: 'integer' },
              toBlock: { type: 'integer' },
              messages: { type: 'array', items: { type: 'object' } },
              next: { type: ['integer', 'null'], description: 'since= for the rest of the range' },
            },
          }),
          400: json({ $ref: '#/components/schemas/Error' }, 'Bad address or block'),
          404: json({ $ref: '#/components/schemas/Error' }, 'MAILBOX_UNKNOWN: no --mailbox'),
        },
      },
    },
    '/v1/verify': {
      post: {
        summary:
          "Verify a job receipt: every offline check, the seal signed by this coordinator's sealing key, and (with a chain) the anchor",
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object' } } } },
        responses: {
          200: json({
            type: 'object',
            properties: {
              valid: { type: 'boolean' },
              epoch: { type: ['integer', 'null'] },
              job: { type: ['string', 'null'] },
              signer: { type: ['string', 'null'] },
              checks: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['id', 'ok', 'message'],
                  properties: {
                    id: { type: 'string' },
                    ok: { type: 'boolean' },
                    code: { type: 'string', description: 'A stable reason code, on failure' },
                    message: { type: 'string' },
                  },
                },
              },
            },
          }),
          400: error,
        },
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

type Operation = { security?: readonly unknown[] }
/** The document with `security` on every operation: public (`[]`) unless it says otherwise. */
export const OPENAPI = {
  ...DOCUMENT,
  paths: Object.fromEntries(
    Object.entries(DOCUMENT.paths).map(([path, item]) => [
      path,
      Object.fromEntries(
        Object.entries(item as Record<string, Operation>).map(([method, op]) => [
          method,
          { security: [], ...op },
        ]),
      ),
    ]),
  ),
}
