import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { ApiaryError } from './errors.ts'

/**
 * The one config rule: flag > environment (`APIARY_*`) > config file > default, resolved once here.
 * Nothing else in Apiary reads `process.env`.
 *
 * An option `chainId` is read from the flag `--chain-id`, the variable `APIARY_CHAIN_ID` and the config
 * file key `chainId`. Defaults live in the zod schema. Values from the environment are strings; the schema
 * coerces them.
 */
export interface ResolveOptionsParameters {
  /** Values given on the command line; `undefined` means "not given". */
  flags: Record<string, unknown>
  env?: Readonly<Record<string, string | undefined>>
  /** Path of a JSON config file (from `--config` or `APIARY_CONFIG`). */
  configFile?: string | undefined
}

/** A boolean option: a flag gives `true`; the environment and config files may say true/false/1/0/yes/no. */
export const booleanOption = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((value) => value === true || value === 'true' || value === '1' || value === 'yes')

export function envName(key: string): string {
  return `APIARY_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`
}

export function resolveOptions<Schema extends z.ZodObject>(
  schema: Schema,
  { flags, env = process.env, configFile }: ResolveOptionsParameters,
): z.infer<Schema> {
  const keys = Object.keys(schema.shape)
  const file = readConfigFile(configFile ?? env.APIARY_CONFIG)
  const merged: Record<string, unknown> = {}
  for (const key of keys) {
    const fromEnv = env[envName(key)]
    const value = flags[key] ?? (fromEnv === '' ? undefined : fromEnv) ?? file[key]
    if (value !== undefined) merged[key] = value
  }
  const parsed = schema.safeParse(merged)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const key = String(issue?.path[0] ?? '')
  const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`
  const details = { option: key, flag, env: envName(key) }
  // A required option nobody gave: say which flag, not what the validator expected.
  if (merged[key] === undefined && issue?.code === 'invalid_type' && issue.path.length === 1)
    throw new ApiaryError(
      'APIARY_MISSING_OPTION',
      /^Invalid input/.test(issue.message) ? `${flag} is required` : issue.message,
      {
        usage: true,
        details,
        hints: [`give ${flag}, set ${envName(key)}, or put "${key}" in the config file`],
      },
    )
  throw new ApiaryError('APIARY_INVALID_OPTION', `invalid ${flag}: ${issue?.message ?? 'invalid'}`, {
    usage: true,
    details,
    hints: [`check the value given by ${flag}, by ${envName(key)} or in the config file`],
  })
}

function readConfigFile(path: string | undefined): Record<string, unknown> {
  if (path === undefined || path === '') return {}
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (cause) {
    throw new ApiaryError('APIARY_CONFIG_UNREADABLE', `cannot read config file ${path}`, {
      cause,
      usage: true,
    })
  }
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object')
    return value as Record<string, unknown>
  } catch (cause) {
    throw new ApiaryError('APIARY_CONFIG_INVALID', `config file ${path} is not a JSON object`, {
      cause,
      usage: true,
    })
  }
}
