import type { FastifyInstance, FastifyReply } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { chat as api } from '../../api/index.ts'
import { authenticateClient } from '../identity/index.ts'
import type { ChatGateway } from '../jobs/index.ts'

export interface ChatRoutesDependencies {
  masterSecret: string
  revokedClients: ReadonlySet<string>
  /** The gateway while this replica leads and takes jobs; undefined otherwise (503). */
  gateway: () => ChatGateway | undefined
}

const TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'insufficient_quota',
  403: 'permission_error',
  404: 'invalid_request_error',
  429: 'rate_limit_error',
  502: 'api_error',
  503: 'api_error',
}

/** An error in OpenAI's shape, which OpenAI's clients read. */
function openaiError(reply: FastifyReply, status: number, code: string, message: string, extra = {}) {
  return reply
    .code(status)
    .send({ error: { message, type: TYPES[status] ?? 'api_error', code, param: null, ...extra } } as never)
}

/**
 * The OpenAI-compatible gateway: `POST /v1/chat/completions` (JSON, or server-sent events with `stream`)
 * and `GET /v1/models`. A chat answers from the agent's chunks as they come; with
 * `stream_options.include_usage` the last chunk carries the usage that was billed.
 */
export function registerChatRoutes(plain: FastifyInstance, deps: ChatRoutesDependencies): void {
  const app = plain.withTypeProvider<ZodTypeProvider>()

  app.route({
    ...api.models,
    handler: async () => ({
      object: 'list' as const,
      data: (deps.gateway()?.models() ?? []).map((m) => ({
        id: m.id,
        object: 'model' as const,
        created: 0,
        owned_by: 'apiary',
        apiary: {
          agents: m.agents,
          backends: m.backends,
          sha256: m.sha256,
          price: { input: m.price.input.toString(), output: m.price.output.toString() },
        },
      })),
    }),
  })

  app.route({
    ...api.completions,
    bodyLimit: 256 * 1024,
    handler: async (request, reply) => {
      const auth = authenticateClient({
        masterSecret: deps.masterSecret,
        revoked: deps.revokedClients,
        client: request.headers['x-apiary-client'] as string | undefined,
        authorization: request.headers.authorization,
      })
      if (!auth.ok) return openaiError(reply, auth.code === 'REVOKED' ? 403 : 401, auth.code, auth.message)
      const gateway = deps.gateway()
      if (gateway === undefined)
        return openaiError(
          reply,
          503,
          'JOBS_UNAVAILABLE',
          'this replica takes no chats (no job escrow, or not the leader)',
        )
      const header = request.headers['x-apiary-max-fee']
      if (header !== undefined && (typeof header !== 'string' || !/^(0|[1-9]\d{0,76})$/.test(header)))
        return openaiError(reply, 400, 'BAD_REQUEST', 'x-apiary-max-fee must be a whole number of wei')
      const verify = request.headers['x-apiary-verify']
      if (verify !== undefined && verify !== '1' && verify !== '2')
        return openaiError(reply, 400, 'BAD_REQUEST', 'x-apiary-verify is 1 or 2 (agents compared)')
      const body = request.body
      const opened = await gateway.open(auth.client, body, {
        maxFee: header === undefined ? undefined : BigInt(header),
        verify: verify === undefined ? undefined : Number(verify),
      })
      if (!opened.ok) return openaiError(reply, opened.status, opened.code, opened.message, opened.extra)

      if (body.stream !== true) {
        for await (const event of opened.events) {
          if ('done' in event) return reply.send(event.done.completion as never)
          if ('error' in event)
            return openaiError(reply, 502, event.error, 'the agent did not answer; nothing is charged')
        }
        return openaiError(reply, 502, 'AGENT_LOST', 'the agent did not answer; nothing is charged')
      }
      const includeUsage = body.stream_options?.include_usage === true
      reply.hijack()
      const raw = reply.raw
      let started = false
      const start = () => {
        if (started) return
        started = true
        raw.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
          'x-apiary-job': opened.jobId,
        })
      }
      const write = (data: unknown) => {
        start()
        if (!raw.destroyed) raw.write(`data: ${JSON.stringify(data)}\n\n`)
      }
      for await (const event of opened.events) {
        if ('chunk' in event) {
          // The backend's own usage chunk is replaced by the usage billed, at the end.
          const choices = event.chunk.choices as unknown[] | undefined
          if (event.chunk.usage != null && (choices === undefined || choices.length === 0)) continue
          write({ ...event.chunk, id: `chatcmpl-${opened.jobId}`, usage: undefined })
        } else if ('done' in event) {
          // Chunks without choices: a verified chat's agreement, then the usage.
          const { completion } = event.done
          const last = (extra: Record<string, unknown>) =>
            write({
              id: `chatcmpl-${opened.jobId}`,
              object: 'chat.completion.chunk',
              created: completion.created,
              model: completion.model,
              choices: [],
              ...extra,
            })
          if (completion.apiary !== undefined) last({ apiary: completion.apiary })
          if (includeUsage) last({ usage: completion.usage })
          break
        } else {
          if (!started) {
            raw.writeHead(502, { 'content-type': 'application/json' })
            raw.end(
              JSON.stringify({
                error: {
                  message: 'the agent did not answer; nothing is charged',
                  type: 'api_error',
                  code: event.error,
                  param: null,
                },
              }),
            )
            return
          }
          write({
            error: {
              message: 'the agent stopped answering',
              type: 'api_error',
              code: event.error,
              param: null,
            },
          })
          break
        }
      }
      start()
      if (!raw.destroyed) raw.end('data: [DONE]\n\n')
    },
  })
}
