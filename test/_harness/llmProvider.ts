import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A stand-in for a hosted LLM provider, on its side of the wire only (an outside service the suite cannot
 * run): OpenAI's `/v1/chat/completions` (streaming or not), Anthropic's `/v1/messages` and Gemini's
 * `streamGenerateContent` (streaming). Its "model"
 * answers `echo: <the last user message>`, one word per chunk; a token is a word. It records the
 * authorization each request carried (the agent's key must reach it, and nothing else of the agent's).
 */
export interface LlmProvider {
  url: string
  /** Every request: path, the key it carried, its body. */
  requests: { path: string; key: string | undefined; body: ProviderRequest }[]
  close(): Promise<void>
}

/** What the three APIs send, as far as the stand-in reads it. */
interface ProviderRequest {
  model?: string
  messages?: { role: string; content: unknown }[]
  contents?: { role: string; parts: { text: string }[] }[]
  stream?: boolean
  stream_options?: { include_usage?: boolean }
  max_tokens?: number
  max_completion_tokens?: number
  generationConfig?: { maxOutputTokens?: number }
}

const words = (text: string) => text.split(/\s+/).filter((w) => w !== '')
const lastUser = (messages: { role: string; content: unknown }[]) =>
  String([...messages].reverse().find((m) => m.role === 'user')?.content ?? '')

export function answerOf(messages: { role: string; content: unknown }[], prefix = 'echo'): string {
  return `${prefix}: ${lastUser(messages)}`
}

async function readBody(request: IncomingMessage): Promise<ProviderRequest> {
  const parts: Buffer[] = []
  for await (const part of request) parts.push(part as Buffer)
  return JSON.parse(Buffer.concat(parts).toString('utf8') || '{}')
}

/** `prefix` stands for another build of the model: its answers start differently. */
export async function startLlmProvider({ delayMs = 0, prefix = 'echo' } = {}): Promise<LlmProvider> {
  const requests: LlmProvider['requests'] = []
  const server: Server = createServer(async (request, response) => {
    const body = await readBody(request)
    const key =
      request.headers.authorization ??
      ((request.headers['x-api-key'] ?? request.headers['x-goog-api-key']) as string | undefined)
    requests.push({ path: request.url ?? '', key, body })
    const messages = (body.messages ?? []) as { role: string; content: unknown }[]
    const answer = words(answerOf(messages, prefix)).slice(
      0,
      body.max_tokens ?? body.max_completion_tokens ?? 1e9,
    )
    const input = messages.reduce((n, m) => n + words(String(m.content ?? '')).length, 0)
    const send = async (data: unknown) => {
      response.write(`data: ${JSON.stringify(data)}\n\n`)
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs))
    }
    if (request.url === '/v1/chat/completions') {
      if (body.stream !== true) {
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(
          JSON.stringify({
            id: 'cmpl-standin',
            object: 'chat.completion',
            created: 0,
            model: body.model,
            choices: [
              { index: 0, message: { role: 'assistant', content: answer.join(' ') }, finish_reason: 'stop' },
            ],
            usage: {
              prompt_tokens: input,
              completion_tokens: answer.length,
              total_tokens: input + answer.length,
            },
          }),
        )
        return
      }
      response.writeHead(200, { 'content-type': 'text/event-stream' })
      const base = { id: 'cmpl-standin', object: 'chat.completion.chunk', created: 0, model: body.model }
      await send({
        ...base,
        choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
      })
      for (const [i, word] of answer.entries())
        await send({
          ...base,
          choices: [{ index: 0, delta: { content: i === 0 ? word : ` ${word}` }, finish_reason: null }],
        })
      await send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })
      if (body.stream_options?.include_usage === true)
        await send({
          ...base,
          choices: [],
          usage: {
            prompt_tokens: input,
            completion_tokens: answer.length,
            total_tokens: input + answer.length,
          },
        })
      response.end('data: [DONE]\n\n')
      return
    }
    if (request.url === '/v1/messages') {
      response.writeHead(200, { 'content-type': 'text/event-stream' })
      const event = async (data: Record<string, unknown>) => {
        response.write(`event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`)
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs))
      }
      await event({ type: 'message_start', message: { usage: { input_tokens: input, output_tokens: 1 } } })
      await event({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })
      for (const [i, word] of answer.entries())
        await event({
          type: 'content_block_delta',
          index: 0,
          delta: { type: 'text_delta', text: i === 0 ? word : ` ${word}` },
        })
      await event({ type: 'content_block_stop', index: 0 })
      await event({
        type: 'message_delta',
        delta: { stop_reason: 'end_turn' },
        usage: { output_tokens: answer.length },
      })
      await event({ type: 'message_stop' })
      response.end()
      return
    }
    const gemini = /^\/v1beta\/models\/([^:]+):streamGenerateContent\?alt=sse$/.exec(request.url ?? '')
    if (gemini !== null) {
      const contents = (body.contents ?? []) as { role: string; parts: { text: string }[] }[]
      const turns = contents.map((c) => ({
        role: c.role === 'model' ? 'assistant' : c.role,
        content: c.parts.map((p) => p.text).join(''),
      }))
      const said = words(answerOf(turns, prefix)).slice(0, body.generationConfig?.maxOutputTokens ?? 1e9)
      const prompt = turns.reduce((n, t) => n + words(t.content).length, 0)
      response.writeHead(200, { 'content-type': 'text/event-stream' })
      for (const [i, word] of said.entries())
        await send({
          candidates: [{ content: { role: 'model', parts: [{ text: i === 0 ? word : ` ${word}` }] } }],
        })
      await send({
        candidates: [{ content: { role: 'model', parts: [{ text: '' }] }, finishReason: 'STOP' }],
        usageMetadata: { promptTokenCount: prompt, candidatesTokenCount: said.length },
      })
      response.end()
      return
    }
    response.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
