import { createHash, randomBytes } from 'node:crypto'
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
    options: {
      maxFee?: bigint | undefined
      /** Agents of one backend and one pinned model file that answer it, compared (x-apiary-verify). */
      verify?: number | undefined
    },
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

/** One agent's part of a chat: the primary's chunks are relayed, a verifier's only compared. */
interface Member {
  agentId: string
  taskId: string
  relay: boolean
  content: string
  finishReason: string | null
  usage: { input: bigint; output: bigint } | undefined
  state: 'running' | 'done' | 'failed'
  timer: NodeJS.Timeout
}

interface OpenChat {
  jobId: string
  model: string
  maxTokens: bigint
  inputBytes: bigint
  price: ChatPrice
  created: number
  startedMs: number
  members: Member[]
  settled: boolean
  push(event: ChatEvent): void
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
  /** Open chats by task id (a verified chat has two). */
  const chats = new Map<string, { chat: OpenChat; member: Member }>()
  const busy = (agentId: string) => [...chats.values()].filter((c) => c.member.agentId === agentId).length
  const priceOf = (model: string) =>
    deps.prices[model] ?? deps.prices['*'] ?? (DEFAULT_CHAT_PRICES['*'] as ChatPrice)
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

  const stop = (member: Member, state: 'done' | 'failed') => {
    member.state = state
    clearTimeout(member.timer)
    chats.delete(member.taskId)
  }
  /** Fails the whole chat (its primary failed): released, nothing charged. */
  const failChat = (chat: OpenChat, error: string) => {
    if (chat.settled) return
    chat.settled = true
    for (const member of chat.members) if (member.state === 'running') stop(member, 'failed')
    chat.push({ error })
    board
      .finish(chat.jobId, { error })
      .catch((cause) => logger.error({ err: cause, job: chat.jobId }, 'cannot record a failed chat'))
  }
  const feeOf = (chat: OpenChat, usage: { input: bigint; output: bigint }) =>
    ceilDiv(usage.input * chat.price.input + usage.output * chat.price.output, 1_000_000n)
  /** Once every member is done or failed: the primary's completion, billed for every answer given. */
  const settle = (chat: OpenChat) => {
    if (chat.settled || chat.members.some((m) => m.state === 'running')) return
    const [primary] = chat.members as [Member]
    if (primary.state !== 'done' || primary.usage === undefined) return failChat(chat, 'BACKEND_FAILED')
    chat.settled = true
    const fee = chat.members.reduce((sum, m) => sum + (m.usage === undefined ? 0n : feeOf(chat, m.usage)), 0n)
    const { input, output } = primary.usage
    const completion: Record<string, unknown> = {
      id: `chatcmpl-${chat.jobId}`,
      object: 'chat.completion',
      created: chat.created,
      model: chat.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: primary.content },
          finish_reason: primary.finishReason ?? 'stop',
        },
      ],
      usage: {
        prompt_tokens: Number(input),
        completion_tokens: Number(output),
        total_tokens: Number(input + output),
      },
    }
    if (chat.members.length > 1) {
      const answered = chat.members.filter((m) => m.state === 'done')
      completion.apiary = {
        verification: {
          agents: chat.members.map((m) => ({
            agentId: m.agentId,
            contentSha256: m.state === 'done' ? sha256(m.content) : null,
          })),
          // Byte for byte; null when a verifier did not answer. Never scored: builds and hardware differ.
          agree:
            answered.length < chat.members.length
              ? null
              : answered.every((m) => m.content === primary.content),
        },
      }
    }
    board
      .finish(chat.jobId, {
        fee,
        output: canonicalJson(completion),
        agentId: primary.agentId,
        taskId: primary.taskId,
        executionMs: now() - chat.startedMs,
      })
      .then(
        (charged) => chat.push(charged ? { done: { completion, fee } } : { error: 'JOB_CLOSED' }),
        (cause) => {
          logger.error({ err: cause, job: chat.jobId }, 'cannot record a chat')
          chat.push({ error: 'INTERNAL' })
        },
      )
  }
  /** A member that fails: the chat fails with its primary; a verifier's failure leaves the chat unverified. */
  const failMember = (chat: OpenChat, member: Member, error: string) => {
    if (member.state !== 'running') return
    stop(member, 'failed')
    if (member.relay) failChat(chat, error)
    else settle(chat)
  }
  const idle = (chat: OpenChat, member: Member) => {
    clearTimeout(member.timer)
    member.timer = setTimeout(() => failMember(chat, member, 'AGENT_TIMEOUT'), idleTimeoutMs)
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
      const serving = [...offers]
        .filter(([agentId]) => live.has(agentId))
        .flatMap(([agentId, models]) =>
          models.filter((m) => m.name === request.model).map((m) => ({ agentId, model: m })),
        )
        .sort((a, b) => busy(a.agentId) - busy(b.agentId))
      if (serving.length === 0)
        return {
          ok: false,
          status: 404,
          code: 'model_not_found',
          message: `no live agent serves the model ${request.model}`,
        }
      const verify = options.verify ?? 1
      let agents = [serving[0]?.agentId as string]
      if (verify > 1) {
        if (request.temperature !== 0)
          return {
            ok: false,
            status: 400,
            code: 'VERIFY_NEEDS_TEMPERATURE_0',
            message: 'x-apiary-verify needs temperature 0',
          }
        // Agents of one backend and one pinned model file: the least busy of the first group large enough.
        const groups = new Map<string, string[]>()
        for (const { agentId, model } of serving)
          if (model.sha256 !== '') {
            const key = `${model.backend}:${model.sha256}`
            groups.set(key, [...(groups.get(key) ?? []), agentId])
          }
        const group = [...groups.values()].find((g) => g.length >= verify)
        if (group === undefined)
          return {
            ok: false,
            status: 400,
            code: 'VERIFY_UNAVAILABLE',
            message: `fewer than ${verify} live agents serve ${request.model} from one backend and one pinned model file`,
          }
        agents = group.slice(0, verify)
      }
      const price = priceOf(request.model)
      const maxTokens = BigInt(request.max_completion_tokens ?? request.max_tokens ?? DEFAULT_MAX_TOKENS)
      const input = canonicalJson({ ...request, stream: true, stream_options: { include_usage: true } })
      const inputBytes = BigInt(Buffer.byteLength(JSON.stringify(request.messages)))
      const least = ceilDiv(inputBytes * price.input, 1_000_000n) * BigInt(agents.length)
      const maxFee =
        options.maxFee ?? least + ceilDiv(maxTokens * price.output, 1_000_000n) * BigInt(agents.length)
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
      const queue = eventQueue()
      const chat: OpenChat = {
        jobId,
        model: request.model,
        maxTokens,
        inputBytes,
        price,
        created: Math.floor(now() / 1000),
        startedMs: now(),
        members: [],
        settled: false,
        push: queue.push,
      }
      for (const [i, agentId] of agents.entries()) {
        const member: Member = {
          agentId,
          taskId: randomBytes(16).toString('hex'),
          relay: i === 0,
          content: '',
          finishReason: null,
          usage: undefined,
          state: 'running',
          timer: setTimeout(() => {}, 0),
        }
        chat.members.push(member)
        chats.set(member.taskId, { chat, member })
        idle(chat, member)
      }
      for (const member of chat.members) {
        const pushed = hub.push(
          member.agentId,
          create(TaskSchema, {
            taskId: member.taskId,
            deadlineUnixMs: BigInt(now() + idleTimeoutMs),
            job: { jobId, type: 'llm.chat', input: new TextEncoder().encode(input) },
          }),
        )
        if (!pushed) failMember(chat, member, 'AGENT_LOST')
      }
      if (!chat.settled) await board.started(jobId)
      return { ok: true, jobId, events: queue.events() }
    },

    chunk(agentId, chunk) {
      const entry = chats.get(chunk.taskId)
      if (entry === undefined || entry.member.agentId !== agentId) return 'NOT_ASSIGNED'
      const { chat, member } = entry
      if (member.state !== 'running' || chat.settled) return 'JOB_CLOSED'
      idle(chat, member)
      if (chunk.done) {
        if (chunk.error !== '' || chunk.usage === undefined) {
          failMember(chat, member, 'BACKEND_FAILED')
          return 'ok'
        }
        // What the agent reports, within what the request allows.
        const reported = chunk.usage
        const bound = chat.maxTokens + TOKEN_SLACK
        member.usage = {
          input: reported.inputTokens < chat.inputBytes ? reported.inputTokens : chat.inputBytes,
          output: reported.outputTokens < bound ? reported.outputTokens : bound,
        }
        stop(member, 'done')
        settle(chat)
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
      if (typeof choice?.delta?.content === 'string') member.content += choice.delta.content
      if (typeof choice?.finish_reason === 'string') member.finishReason = choice.finish_reason
      if (member.relay) chat.push({ chunk: data })
      return 'ok'
    },
  }
}
