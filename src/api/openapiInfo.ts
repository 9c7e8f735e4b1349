/** What /openapi.json says besides its operations (which come from the route declarations). */
export const OPENAPI_INFO = {
  openapi: '3.1.0',
  info: {
    title: 'Apiary coordinator',
    version: '0.1.0',
    description:
      "Read-only view of a coordinator: swarm status, agents, accuracy against chain truth, tasks, epochs and their sealed bundles (/v1); POST /v1/verify checks a job receipt; clients submit paid jobs under /v1/jobs with their own key (`x-apiary-client` and `authorization: Bearer apiary_client_…`). Every other operation is public (`security: []`) except that some return more with an agent's own credentials (`x-apiary-agent-id` and `authorization: Bearer apiary_…`): its session, in-flight limit, refusals, per-field accuracy and verdicts. Payout wallets are public: sealed bundles and settlement transactions name them. Every client is rate-limited per IP (429 RATE_LIMITED); errors are `{code, message}` and a 500 carries only `requestId` (docs/security.md).",
  },
  components: {
    securitySchemes: {
      agentKey: { type: 'http', scheme: 'bearer', description: "The agent's API key (apiary apikey)." },
      agentId: { type: 'apiKey', in: 'header', name: 'x-apiary-agent-id' },
      clientKey: {
        type: 'http',
        scheme: 'bearer',
        description: "A client's API key (apiary client apikey), with its address in x-apiary-client.",
      },
      clientAddress: { type: 'apiKey', in: 'header', name: 'x-apiary-client' },
    },
  },
} as const
