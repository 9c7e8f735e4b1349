import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { z } from 'zod'
import { type ChatBackend, createChatBackend } from '../agent/index.ts'
import { ApiaryError } from '../internal/errors.ts'

/** The agent's chat options (`apiary agent` and `apiary up`). */
export const llmShape = {
  mode: z.enum(['validator', 'llm', 'both']).default('validator'),
  llmBackend: z.enum(['openai', 'anthropic', 'gemini']).default('openai'),
  llmUrl: z.string().url().optional(),
  llmModel: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== ''),
    ),
}

export const LLM_FLAGS = [
  [
    '--mode <mode>',
    'validator (validation and evm.simulate jobs), llm (only chats) or both (APIARY_MODE; default validator)',
  ],
  [
    '--llm-backend <kind>',
    "openai (any OpenAI-compatible server: llama.cpp's, Ollama, vLLM, a hosted API), anthropic or gemini (APIARY_LLM_BACKEND; default openai)",
  ],
  [
    '--llm-url <url>',
    "the backend's base URL, e.g. http://127.0.0.1:8080/v1 for llama.cpp's server (APIARY_LLM_URL; default the vendor's API)",
  ],
  [
    '--llm-model <specs>',
    'models served, comma-separated: NAME[=BACKEND_NAME][@SHA256 or @MODEL_FILE] — a model file is hashed and its sha256 announced (APIARY_LLM_MODEL)',
  ],
] as const

/**
 * The chat backend from the options; its key comes from the environment only (APIARY_LLM_API_KEY, else
 * OPENAI_API_KEY, ANTHROPIC_API_KEY or GEMINI_API_KEY by backend) and never leaves the agent.
 */
export async function chatBackendFrom(
  options: {
    mode: string
    llmBackend: 'openai' | 'anthropic' | 'gemini'
    llmUrl?: string | undefined
    llmModel: string[]
  },
  env: NodeJS.ProcessEnv = process.env,
): Promise<ChatBackend | undefined> {
  if (options.mode === 'validator') return undefined
  if (options.llmModel.length === 0)
    throw new ApiaryError(
      'APIARY_LLM_NO_MODEL',
      `--mode ${options.mode} needs --llm-model (the models you serve)`,
      {
        usage: true,
      },
    )
  const models = await Promise.all(
    options.llmModel.map(async (spec) => {
      const match = /^([^=@]+)(?:=([^@]+))?(?:@(.+))?$/.exec(spec)
      if (match === null)
        throw new ApiaryError(
          'APIARY_LLM_MODEL_INVALID',
          `${spec} is not NAME[=BACKEND_NAME][@SHA256|@FILE]`,
          {
            usage: true,
          },
        )
      const [, name, upstream, pin] = match
      const sha256 = pin === undefined ? undefined : /^[0-9a-f]{64}$/.test(pin) ? pin : await hashFile(pin)
      return { name: name as string, upstream, sha256 }
    }),
  )
  const keyVariable = { openai: 'OPENAI_API_KEY', anthropic: 'ANTHROPIC_API_KEY', gemini: 'GEMINI_API_KEY' }[
    options.llmBackend
  ]
  const apiKey = env.APIARY_LLM_API_KEY ?? env[keyVariable]
  if (options.llmBackend !== 'openai' && apiKey === undefined)
    throw new ApiaryError(
      'APIARY_LLM_NO_KEY',
      `the ${options.llmBackend} backend needs ${keyVariable} in the environment`,
      {
        usage: true,
      },
    )
  return createChatBackend({ kind: options.llmBackend, url: options.llmUrl, apiKey, models })
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256')
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  } catch (cause) {
    throw new ApiaryError('APIARY_LLM_MODEL_FILE', `cannot read the model file ${path}`, {
      usage: true,
      cause,
    })
  }
  return hash.digest('hex')
}
