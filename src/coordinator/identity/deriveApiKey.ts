import { createHmac } from 'node:crypto'
import { ApiaryError } from '../../internal/errors.ts'

/** Agent ids: 1–64 characters of letters, digits, `.`, `_` and `-`. */
export const AGENT_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/
/** A master secret shorter than this is refused: keys derived from it could be guessed. */
export const MIN_MASTER_SECRET_BYTES = 16

/** Refuses a master secret too short to derive keys from. */
export function assertMasterSecret(masterSecret: string): void {
  if (Buffer.byteLength(masterSecret) < MIN_MASTER_SECRET_BYTES)
    throw new ApiaryError(
      'APIARY_MASTER_SECRET_WEAK',
      `the master secret must be at least ${MIN_MASTER_SECRET_BYTES} bytes`,
      {
        usage: true,
        hints: ['generate one with: openssl rand -hex 32'],
      },
    )
}

/** The API key of an agent: `apiary_` + hex(HMAC-SHA256(master secret, agent id)). */
export function deriveApiKey(masterSecret: string, agentId: string): string {
  assertMasterSecret(masterSecret)
  if (!AGENT_ID_PATTERN.test(agentId)) {
    throw new ApiaryError(
      'APIARY_AGENT_ID_INVALID',
      'an agent id is 1-64 characters of letters, digits, ".", "_" and "-"',
      {
        usage: true,
        details: { agentId },
      },
    )
  }
  return `apiary_${createHmac('sha256', masterSecret).update(agentId).digest('hex')}`
}
