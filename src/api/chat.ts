import { z } from 'zod'
import { CLIENT, count, decimal, declareRoute } from './common.ts'

/**
 * The OpenAI-compatible gateway (docs/spec/jobs.md#llmchat-the-openai-compatible-gateway): OpenAI's own
 * request and answer shapes, so that OpenAI's clients work unchanged; refusals in OpenAI's error shape.
 */
const tags = ['chat']

const message = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(z.looseObject({})), z.null()]).optional(),
})

export const ChatRequest = z
  .looseObject({
    model: z.string().min(1).max(128),
    messages: z.array(message).min(1).max(1024),
    stream: z.boolean().optional(),
    stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
    max_tokens: z.number().int().min(1).max(131_072).nullable().optional(),
    max_completion_tokens: z.number().int().min(1).max(131_072).nullable().optional(),
    temperature: z.number().min(0).max(2).nullable().optional(),
    n: z.literal(1).nullable().optional().describe('One choice per request'),
  })
  .meta({ id: 'ChatCompletionRequest' })

export const OpenAIError = z
  .strictObject({
    error: z.strictObject({
      message: z.string(),
      type: z.string(),
      code: z.string().nullable(),
      param: z.string().nullable(),
      needed: decimal.optional(),
      available: decimal.optional(),
      asset: z.enum(['coin', 'token']).optional(),
    }),
  })
  .meta({ id: 'OpenAIError' })

const usage = z.looseObject({ prompt_tokens: count, completion_tokens: count, total_tokens: count })

export const ChatCompletion = z
  .looseObject({
    id: z.string(),
    object: z.literal('chat.completion'),
    created: count,
    model: z.string(),
    choices: z.array(
      z.looseObject({
        index: count,
        message: z.looseObject({ role: z.literal('assistant'), content: z.string().nullable() }),
        finish_reason: z.string().nullable(),
      }),
    ),
    usage,
  })
  .meta({ id: 'ChatCompletion' })

export const completions = declareRoute({
  method: 'POST',
  url: '/v1/chat/completions',
  operationId: 'createChatCompletion',
  summary: 'OpenAI-compatible chat completion, served by an agent that runs the model; billed by tokens',
  description:
    'Headers: `x-apiary-client` and `authorization: Bearer apiary_client_…` (the client key), and optionally `x-apiary-max-fee` (the most the chat may cost, in wei; default the price of the input and of max_tokens, 1024 when not given) and `x-apiary-verify: 2` (with `temperature: 0`: two agents of one backend and one pinned model file answer, both are billed, and `apiary.verification` says whether they agree byte for byte). With `stream: true` the answer is server-sent events of `chat.completion.chunk` objects ending in `data: [DONE]`.',
  tags,
  security: CLIENT,
  body: ChatRequest,
  response: {
    200: {
      description: 'The completion, or its chunks as server-sent events',
      content: {
        'application/json': { schema: ChatCompletion },
        'text/event-stream': { schema: z.string() },
      },
    },
    400: OpenAIError.describe(
      'Malformed request or fee (invalid_request_error); VERIFY_NEEDS_TEMPERATURE_0, VERIFY_UNAVAILABLE',
    ),
    401: OpenAIError.describe('Missing or wrong client credentials'),
    402: OpenAIError.describe('Not enough available balance (insufficient_quota): needed and available'),
    403: OpenAIError.describe('The client is revoked'),
    404: OpenAIError.describe('No live agent serves the model (model_not_found)'),
    502: OpenAIError.describe('The agent or its backend failed before answering (nothing is charged)'),
    503: OpenAIError.describe('Jobs are not enabled, or this replica does not lead'),
  },
})

export const Model = z
  .strictObject({
    id: z.string(),
    object: z.literal('model'),
    created: count,
    owned_by: z.string(),
    apiary: z.strictObject({
      agents: count.describe('Live agents serving it'),
      backends: z.array(z.string()),
      sha256: z.array(z.string()).describe('Model file hashes the agents pinned'),
      price: z.strictObject({
        input: decimal.describe('Wei per million input tokens'),
        output: decimal.describe('Wei per million output tokens'),
      }),
    }),
  })
  .meta({ id: 'Model' })

export const models = declareRoute({
  method: 'GET',
  url: '/v1/models',
  operationId: 'listModels',
  summary: 'The models live agents serve, with their prices (OpenAI-compatible)',
  tags,
  response: { 200: z.strictObject({ object: z.literal('list'), data: z.array(Model) }) },
})
