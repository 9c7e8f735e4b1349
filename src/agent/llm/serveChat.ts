import { create } from '@bufbuild/protobuf'
import {
  type StreamJobOutputRequest,
  StreamJobOutputRequestSchema,
  type Task,
} from '../../gen/apiary/v1/swarm_pb.js'
import type { ChatBackend } from './createChatBackend.ts'

/**
 * The chunks answering an llm.chat task from the backend: each OpenAI chunk as it comes, then the last one
 * (done, with the usage the backend reported; or with an error code, which makes the chat fail unbilled).
 */
export async function* serveChat(
  backend: ChatBackend,
  task: Task,
  signal: AbortSignal,
): AsyncGenerator<StreamJobOutputRequest> {
  const taskId = task.taskId
  let usage: { input: number; output: number } | undefined
  try {
    const request = JSON.parse(new TextDecoder().decode(task.job?.input)) as Record<string, unknown>
    if (!backend.models.some((m) => m.name === request.model)) throw new Error('model not served')
    for await (const part of backend.stream(request, signal)) {
      if (part.usage !== undefined) usage = part.usage
      if (part.chunk !== undefined)
        yield create(StreamJobOutputRequestSchema, {
          taskId,
          data: new TextEncoder().encode(JSON.stringify(part.chunk)),
        })
    }
  } catch {
    yield create(StreamJobOutputRequestSchema, { taskId, done: true, error: 'BACKEND_FAILED' })
    return
  }
  yield usage === undefined
    ? create(StreamJobOutputRequestSchema, { taskId, done: true, error: 'NO_USAGE' })
    : create(StreamJobOutputRequestSchema, {
        taskId,
        done: true,
        usage: { inputTokens: BigInt(usage.input), outputTokens: BigInt(usage.output) },
      })
}
