import { randomBytes } from 'node:crypto'
import { create } from '@bufbuild/protobuf'
import type { z } from 'zod'
import type { chat } from '../../api/index.ts'
import { canonicalJson } from '../../epoch/index.ts'
import { type ModelOffer, type StreamJobOutputRequest, TaskSchema } from '../../gen/apiary/v1/swarm_pb.js'
import type { Logger } from '../../internal/logger.ts'
import type { TaskHub } from '../work/index.ts'
import type { JobBoard } from './createJobBoard.ts'

export type ChatRequest = z.output<typeof chat.ChatRequest>

/** Base units of the coin per million tokens. */
export interface ChatPrice {
  input: bigint
  output: bigint
}

/** Per model, `*` for any other. */
export type ChatPrices = Record<string, ChatPrice>

/** 10^15 wei (0.001 ETH) per million tokens, input and output, when the operator sets no price. */
export const DEFAULT_CHAT_PRICES: ChatPrices = { '*': { input: 10n ** 15n, output: 10n ** 15n } }

export type ChatEvent =
  | { chunk: Record<string, unknown> }
  | { done: { completion: Record<string, unknown>; fee: bigint } }
  | { error: string }

export type ChatOpening =
  | {
      ok: false
      status: 400 | 402 | 404 | 429 | 503
      code: string
      message: string
      extra?: Record<string, string>
    }
  | { ok: true; jobId: string; events: AsyncIterable<ChatEvent> }

export interface ChatGateway {
  /** An agent (re-)registered with the models it serves (none: it serves no chat). */
  offer(agentId: string, models: readonly ModelOffer[]): void
  /** The models live agents serve. */
  models(): { id: string; agents: number; backends: string[]; sha256: string[]; price: ChatPrice }[]
  /** Admits a chat (its max fee reserved) and hands it to an agent that serves the model. */
  open(
    client: `0x${string}`,
    request: ChatRequest,
    options: { maxFee?: bigint | undefined },
  ): Promise<ChatOpening>
  /** A chunk an agent streamed: accepted, or why not. */
  chunk(agentId: string, chunk: StreamJobOutputRequest): 'ok' | 'NOT_ASSIGNED' | 'MALFORMED' | 'JOB_CLOSED'
}

export interface ChatGatewayDependencies {
  board: JobBoard
  hub: Pick<TaskHub, 'push' | 'connected'>
  logger: Logger
  prices: ChatPrices
  /** A chat whose agent sends nothing for this long fails, released (default 60 s). */
  idleTimeoutMs?: number
  now?: () => number
}

const MAX_CHUNK_BYTES = 64 * 1024
const DEFAULT_MAX_TOKENS = 1024
/** The tokens an agent may report beyond the request's bound (a backend's closing tokens). */
const TOKEN_SLACK = 16n

interface OpenChat {
  agentId: string
  jobId: string
  model: string
  maxTokens: bigint
  inputBytes: bigint
  price: ChatPrice
  created: number
  content: string
  finishReason: string | null
  closed: boolean
  startedMs: number
  push(event: ChatEvent): void
  timer: NodeJS.Timeout
}

/** An async queue of events: pushed by the chunk handler, read by the HTTP answer. */
function eventQueue() {
  const items: ChatEvent[] = []
  let wake: (() => void) | undefined
  let ended = false
  return {
    push(event: ChatEvent) {
      items.push(event)
      if (!('chunk' in event)) ended = true
      wake?.()
    },
    async *events(): AsyncGenerator<ChatEvent> {
      for (;;) {
        const event = items.shift()
        if (event !== undefined) {
          yield event
          if (!('chunk' in event)) return
          continue
        }
        if (ended) return
        await new Promise<void>((resolve) => {
          wake = resolve
        })
        wake = undefined
      }
    },
  }
}

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b

/**
 * The OpenAI-compatible gateway's core (docs/spec/jobs.md#llmchat-the-openai-compatible-gateway): a chat is
 * a job reserved from the client's escrow balance, pushed to the least busy live agent that announced the
 * model, and answered from the chunks that agent streams back. The fee is the operator's price for the
 * tokens the agent reports — bounded by the request (at most max_tokens out, at most one token per input
 * byte in) and by the client's max fee. A client that hangs up is still charged for what it asked (the
 * agent finishes); an agent that goes silent fails the chat and nothing is charged.
 */
export function createChatGateway(deps: ChatGatewayDependencies): ChatGateway {
  const { board, hub, logger } = deps
  const now = deps.now ?? Date.now
  const idleTimeoutMs = deps.idleTimeoutMs ?? 60_000
  const offers = new Map<string, ModelOffer[]>()
  const chats = new Map<string, OpenChat>()
  const busy = (agentId: string) => [...chats.values()].filter((c) => c.agentId === agentId).length
  const priceOf = (model: string) =>
    deps.prices[model] ?? deps.prices['*'] ?? (DEFAULT_CHAT_PRICES['*'] as ChatPrice)

  const end = (taskId: string, chat: OpenChat, event: ChatEvent) => {
    chat.closed = true
    clearTimeout(chat.timer)
    chats.delete(taskId)
    chat.push(event)
  }
  const fail = (taskId: string, chat: OpenChat, error: string) => {
    end(taskId, chat, { error })
    board
      .finish(chat.jobId, { error })
      .catch((cause) => logger.error({ err: cause, job: chat.jobId }, 'cannot record a failed chat'))
  }
  const idle = (taskId: string, chat: OpenChat) => {
    clearTimeout(chat.timer)
    chat.timer = setTimeout(() => fail(taskId, chat, 'AGENT_TIMEOUT'), idleTimeoutMs)
  }

  return {
    offer(agentId, models) {
      if (models.length === 0) offers.delete(agentId)
      else offers.set(agentId, [...models])
    },

    models() {
      const live = hub.connected()
      const byName = new Map<string, { agents: number; backends: Set<string>; sha256: Set<string> }>()
      for (const [agentId, models] of offers) {
        if (!live.has(agentId)) continue
        for (const m of models) {
          const entry = byName.get(m.name) ?? { agents: 0, backends: new Set(), sha256: new Set() }
          entry.agents++
          entry.backends.add(m.backend)
          if (m.sha256 !== '') entry.sha256.add(m.sha256)
          byName.set(m.name, entry)
        }
      }
      return [...byName]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([id, e]) => ({
          id,
          agents: e.agents,
          backends: [...e.backends].sort(),
          sha256: [...e.sha256].sort(),
          price: priceOf(id),
        }))
    },

    async open(client, request, options) {
      const live = hub.connected()
      const candidates = [...offers]
        .filter(([agentId, models]) => live.has(agentId) && models.some((m) => m.name === request.model))
        .map(([agentId]) => agentId)
        .sort((a, b) => busy(a) - busy(b))
      const agentId = candidates[0]
      if (agentId === undefined)
        return {
          ok: false,
          status: 404,
          code: 'model_not_found',
          message: `no live agent serves the model ${request.model}`,
        }
      const price = priceOf(request.model)
      const maxTokens = BigInt(request.max_completion_tokens ?? request.max_tokens ?? DEFAULT_MAX_TOKENS)
      const input = canonicalJson({ ...request, stream: true, stream_options: { include_usage: true } })
      const inputBytes = BigInt(Buffer.byteLength(JSON.stringify(request.messages)))
      const least = ceilDiv(inputBytes * price.input, 1_000_000n)
      const maxFee = options.maxFee ?? least + ceilDiv(maxTokens * price.output, 1_000_000n)
      const admitted = await board.reserve(client, {
        type: 'llm.chat',
        asset: 'coin',
        maxFee,
        price: least,
        input,
        ttlSeconds: 600,
      })
      if (!admitted.ok) {
        const { code, message, ...extra } = admitted.body
        return { ok: false, status: admitted.status, code, message, extra }
      }
      const jobId = admitted.job.id
      const taskId = randomBytes(16).toString('hex')
      const queue = eventQueue()
      const chat: OpenChat = {
        agentId,
        jobId,
        model: request.model,
        maxTokens,
        inputBytes,
        price,
        created: Math.floor(now() / 1000),
        content: '',
        finishReason: null,
        closed: false,
        startedMs: now(),
        push: queue.push,
        timer: setTimeout(() => {}, 0),
      }
      chats.set(taskId, chat)
      idle(taskId, chat)
      const pushed = hub.push(
        agentId,
        create(TaskSchema, {
          taskId,
          deadlineUnixMs: BigInt(now() + idleTimeoutMs),
          job: { jobId, type: 'llm.chat', input: new TextEncoder().encode(input) },
        }),
      )
      if (!pushed) fail(taskId, chat, 'AGENT_LOST')
      else await board.started(jobId)
      return { ok: true, jobId, events: queue.events() }
    },

    chunk(agentId, chunk) {
      const chat = chats.get(chunk.taskId)
      if (chat === undefined || chat.agentId !== agentId) return 'NOT_ASSIGNED'
      if (chat.closed) return 'JOB_CLOSED'
      idle(chunk.taskId, chat)
      if (chunk.done) {
        if (chunk.error !== '' || chunk.usage === undefined) {
          fail(chunk.taskId, chat, 'BACKEND_FAILED')
          return 'ok'
        }
        // What the agent reports, within what the request allows.
        const input = chunk.usage.inputTokens < chat.inputBytes ? chunk.usage.inputTokens : chat.inputBytes
        const bound = chat.maxTokens + TOKEN_SLACK
        const output = chunk.usage.outputTokens < bound ? chunk.usage.outputTokens : bound
        const fee = ceilDiv(input * chat.price.input + output * chat.price.output, 1_000_000n)
        const completion = {
          id: `chatcmpl-${chat.jobId}`,
          object: 'chat.completion',
          created: chat.created,
          model: chat.model,
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: chat.content },
              finish_reason: chat.finishReason ?? 'stop',
            },
          ],
          usage: {
            prompt_tokens: Number(input),
            completion_tokens: Number(output),
            total_tokens: Number(input + output),
          },
        }
        const taskId = chunk.taskId
        board
          .finish(chat.jobId, {
            fee,
            output: canonicalJson(completion),
            agentId,
            taskId,
            executionMs: now() - chat.startedMs,
          })
          .then(
            (charged) => end(taskId, chat, charged ? { done: { completion, fee } } : { error: 'JOB_CLOSED' }),
            (cause) => {
              logger.error({ err: cause, job: chat.jobId }, 'cannot record a chat')
              end(taskId, chat, { error: 'INTERNAL' })
            },
          )
        chat.closed = true
        return 'ok'
      }
      if (chunk.data.length > MAX_CHUNK_BYTES) return 'MALFORMED'
      let data: Record<string, unknown>
      try {
        data = JSON.parse(new TextDecoder().decode(chunk.data)) as Record<string, unknown>
        if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'MALFORMED'
      } catch {
        return 'MALFORMED'
      }
      const choice = (
        data.choices as { delta?: { content?: unknown }; finish_reason?: unknown }[] | undefined
      )?.[0]
      if (typeof choice?.delta?.content === 'string') chat.content += choice.delta.content
      if (typeof choice?.finish_reason === 'string') chat.finishReason = choice.finish_reason
      chat.push({ chunk: data })
      return 'ok'
    },
  }
}
