import { ApiaryError } from '../../internal/errors.ts'

/** Where an agent's chats are answered: an OpenAI-compatible server, or Anthropic's or Gemini's API. */
export interface ChatBackendOptions {
  kind: 'openai' | 'anthropic' | 'gemini'
  /** Base URL: `http://127.0.0.1:8080/v1` for llama.cpp's server; the vendor's API by default otherwise. */
  url?: string | undefined
  /** The backend's key (from the agent's environment); never sent anywhere but to the backend. */
  apiKey?: string | undefined
  /** The models served: the name clients use, the backend's own name, the model file's sha256 if pinned. */
  models: { name: string; upstream?: string | undefined; sha256?: string | undefined }[]
  fetch?: typeof fetch
}

/** One piece of an answer: an OpenAI `chat.completion.chunk`, and/or the usage (last). */
export interface ChatPart {
  chunk?: Record<string, unknown>
  usage?: { input: number; output: number }
}

export interface ChatBackend {
  kind: ChatBackendOptions['kind']
  models: ChatBackendOptions['models']
  /** Streams the answer to an OpenAI chat request (its `model` one of `models`' names). */
  stream(request: Record<string, unknown>, signal: AbortSignal): AsyncGenerator<ChatPart>
}

const DEFAULT_URLS = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
  gemini: 'https://generativelanguage.googleapis.com',
}

/** The `data:` payloads of a server-sent event stream. */
async function* sseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder()
  let buffer = ''
  for await (const bytes of body) {
    buffer += decoder.decode(bytes, { stream: true })
    for (;;) {
      const end = buffer.search(/\r?\n\r?\n/)
      if (end < 0) break
      const event = buffer.slice(0, end)
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '')
      const data = event
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''))
        .join('\n')
      if (data !== '') yield data
    }
  }
}

const textOf = (content: unknown): string =>
  typeof content === 'string'
    ? content
    : Array.isArray(content)
      ? content.map((p) => (typeof p?.text === 'string' ? p.text : '')).join('')
      : ''

type Message = { role: string; content: unknown }

/** Anthropic and Gemini take the system prompt apart from the turns, which are user and assistant only. */
function splitSystem(messages: Message[]) {
  const system = messages
    .filter((m) => m.role === 'system' || m.role === 'developer')
    .map((m) => textOf(m.content))
    .join('\n')
  const turns = messages
    .filter((m) => m.role === 'user' || m.role === 'assistant')
    .map((m) => ({ role: m.role, text: textOf(m.content) }))
  return { system, turns }
}

/**
 * A chat backend (docs/jobs.md#agents): OpenAI-compatible servers are streamed as they are; Anthropic's
 * Messages API and Gemini's streamGenerateContent are translated into OpenAI chunks, with their usage.
 */
export function createChatBackend(options: ChatBackendOptions): ChatBackend {
  const http = options.fetch ?? fetch
  const base = (options.url ?? DEFAULT_URLS[options.kind]).replace(/\/+$/, '')
  const upstream = (name: string) => options.models.find((m) => m.name === name)?.upstream ?? name
  const post = async (url: string, headers: Record<string, string>, body: unknown, signal: AbortSignal) => {
    const response = await http(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal,
    })
    if (!response.ok || response.body === null)
      throw new ApiaryError('APIARY_LLM_BACKEND', `the ${options.kind} backend answered ${response.status}`, {
        retryable: response.status >= 500,
        details: { status: response.status },
      })
    return response.body
  }
  const chunk = (model: string, delta: Record<string, unknown>, finish: string | null = null) => ({
    chunk: {
      object: 'chat.completion.chunk',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    },
  })

  async function* openai(request: Record<string, unknown>, signal: AbortSignal): AsyncGenerator<ChatPart> {
    const body = await post(
      `${base}/chat/completions`,
      options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` },
      {
        ...request,
        model: upstream(String(request.model)),
        stream: true,
        stream_options: { include_usage: true },
      },
      signal,
    )
    for await (const data of sseData(body)) {
      if (data === '[DONE]') return
      const parsed = JSON.parse(data) as Record<string, unknown> & {
        usage?: { prompt_tokens?: number; completion_tokens?: number } | null
      }
      const usage =
        parsed.usage == null
          ? undefined
          : { input: parsed.usage.prompt_tokens ?? 0, output: parsed.usage.completion_tokens ?? 0 }
      yield { chunk: { ...parsed, model: request.model }, ...(usage === undefined ? {} : { usage }) }
    }
  }

  async function* anthropic(request: Record<string, unknown>, signal: AbortSignal): AsyncGenerator<ChatPart> {
    const { system, turns } = splitSystem(request.messages as Message[])
    const body = await post(
      `${base}/v1/messages`,
      { 'x-api-key': options.apiKey ?? '', 'anthropic-version': '2023-06-01' },
      {
        model: upstream(String(request.model)),
        max_tokens: request.max_completion_tokens ?? request.max_tokens ?? 1024,
        ...(system === '' ? {} : { system }),
        ...(typeof request.temperature === 'number' ? { temperature: request.temperature } : {}),
        messages: turns.map((m) => ({ role: m.role, content: m.text })),
        stream: true,
      },
      signal,
    )
    const model = String(request.model)
    let input = 0
    let output = 0
    yield chunk(model, { role: 'assistant', content: '' })
    for await (const data of sseData(body)) {
      const event = JSON.parse(data) as {
        type: string
        message?: { usage?: { input_tokens?: number; output_tokens?: number } }
        delta?: { type?: string; text?: string; stop_reason?: string }
        usage?: { output_tokens?: number }
      }
      if (event.type === 'message_start') {
        input = event.message?.usage?.input_tokens ?? 0
        output = event.message?.usage?.output_tokens ?? 0
      } else if (event.type === 'content_block_delta' && typeof event.delta?.text === 'string')
        yield chunk(model, { content: event.delta.text })
      else if (event.type === 'message_delta') {
        output = event.usage?.output_tokens ?? output
        const reason = event.delta?.stop_reason
        if (reason != null) yield chunk(model, {}, reason === 'max_tokens' ? 'length' : 'stop')
      } else if (event.type === 'message_stop') break
    }
    yield { usage: { input, output } }
  }

  async function* gemini(request: Record<string, unknown>, signal: AbortSignal): AsyncGenerator<ChatPart> {
    const { system, turns } = splitSystem(request.messages as Message[])
    const body = await post(
      `${base}/v1beta/models/${encodeURIComponent(upstream(String(request.model)))}:streamGenerateContent?alt=sse`,
      { 'x-goog-api-key': options.apiKey ?? '' },
      {
        contents: turns.map((m) => ({
          role: m.role === 'assistant' ? 'model' : 'user',
          parts: [{ text: m.text }],
        })),
        ...(system === '' ? {} : { systemInstruction: { parts: [{ text: system }] } }),
        generationConfig: {
          maxOutputTokens: request.max_completion_tokens ?? request.max_tokens ?? 1024,
          ...(typeof request.temperature === 'number' ? { temperature: request.temperature } : {}),
        },
      },
      signal,
    )
    const model = String(request.model)
    let usage = { input: 0, output: 0 }
    yield chunk(model, { role: 'assistant', content: '' })
    for await (const data of sseData(body)) {
      const event = JSON.parse(data) as {
        candidates?: { content?: { parts?: { text?: string }[] }; finishReason?: string }[]
        usageMetadata?: { promptTokenCount?: number; candidatesTokenCount?: number }
      }
      const candidate = event.candidates?.[0]
      const text = candidate?.content?.parts?.map((p) => p.text ?? '').join('') ?? ''
      if (text !== '') yield chunk(model, { content: text })
      if (candidate?.finishReason !== undefined)
        yield chunk(model, {}, candidate.finishReason === 'MAX_TOKENS' ? 'length' : 'stop')
      if (event.usageMetadata !== undefined)
        usage = {
          input: event.usageMetadata.promptTokenCount ?? 0,
          output: event.usageMetadata.candidatesTokenCount ?? 0,
        }
    }
    yield { usage }
  }

  return {
    kind: options.kind,
    models: options.models,
    stream: options.kind === 'openai' ? openai : options.kind === 'anthropic' ? anthropic : gemini,
  }
}
