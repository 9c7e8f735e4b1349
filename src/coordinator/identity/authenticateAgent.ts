import { timingSafeEqual } from 'node:crypto'
import { AGENT_ID_PATTERN, deriveApiKey } from './deriveApiKey.ts'

export interface AuthenticateAgentParameters {
  masterSecret: string
  /** Agent ids whose keys no longer open anything. */
  revoked: ReadonlySet<string>
  /** The `x-apiary-agent-id` metadata of the call. */
  agentId: string | undefined
  /** The `authorization` metadata of the call: `Bearer apiary_<64 hex>`. */
  authorization: string | undefined
}

export type AuthenticateAgentReturnType =
  | { ok: true; agentId: string }
  | { ok: false; code: 'UNAUTHENTICATED' | 'REVOKED'; message: string }

const BEARER = /^Bearer (apiary_[0-9a-f]{64})$/

/**
 * Checks a call's credential: the key must be the one derived for the claimed agent id (compared in
 * constant time) and the id must not be revoked. The identity is that id; nothing else in a request is
 * trusted to name the caller.
 */
export function authenticateAgent(params: AuthenticateAgentParameters): AuthenticateAgentReturnType {
  const key = BEARER.exec(params.authorization ?? '')?.[1]
  const agentId = params.agentId ?? ''
  if (key === undefined || !AGENT_ID_PATTERN.test(agentId)) {
    return { ok: false, code: 'UNAUTHENTICATED', message: 'missing or malformed agent id or API key' }
  }
  const expected = Buffer.from(deriveApiKey(params.masterSecret, agentId))
  const given = Buffer.from(key)
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, code: 'UNAUTHENTICATED', message: 'the API key does not belong to this agent id' }
  }
  if (params.revoked.has(agentId))
    return { ok: false, code: 'REVOKED', message: 'this agent has been revoked' }
  return { ok: true, agentId }
}
