import { createHmac, timingSafeEqual } from 'node:crypto'
import { ApiaryError } from '../../internal/errors.ts'
import { assertMasterSecret } from './deriveApiKey.ts'

const ADDRESS = /^0x[0-9a-fA-F]{40}$/
const BEARER = /^Bearer (apiary_client_[0-9a-f]{64})$/

/**
 * The API key of a client (docs/spec/jobs.md#clients-and-their-money): `apiary_client_` +
 * hex(HMAC-SHA256(master secret, `client:` + lower-case address)). The `client:` domain keeps it apart from
 * every agent key (an agent id cannot contain `:`).
 */
export function deriveClientKey(masterSecret: string, address: string): string {
  assertMasterSecret(masterSecret)
  if (!ADDRESS.test(address))
    throw new ApiaryError('APIARY_CLIENT_INVALID', 'a client is a 0x address of 20 bytes', {
      usage: true,
      details: { address },
    })
  const mac = createHmac('sha256', masterSecret).update(`client:${address.toLowerCase()}`).digest('hex')
  return `apiary_client_${mac}`
}

export type AuthenticateClientReturnType =
  | { ok: true; client: `0x${string}` }
  | { ok: false; code: 'UNAUTHENTICATED' | 'REVOKED'; message: string }

/**
 * Checks a client's credential: `x-apiary-client` and `authorization: Bearer apiary_client_…`, the key
 * compared in constant time with the one derived for the address, which must not be revoked.
 */
export function authenticateClient(params: {
  masterSecret: string
  revoked: ReadonlySet<string>
  client: string | undefined
  authorization: string | undefined
}): AuthenticateClientReturnType {
  const key = BEARER.exec(params.authorization ?? '')?.[1]
  const client = params.client ?? ''
  if (key === undefined || !ADDRESS.test(client))
    return { ok: false, code: 'UNAUTHENTICATED', message: 'missing or malformed client address or API key' }
  const expected = Buffer.from(deriveClientKey(params.masterSecret, client))
  const given = Buffer.from(key)
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, code: 'UNAUTHENTICATED', message: 'the API key does not belong to this client' }
  const address = client.toLowerCase() as `0x${string}`
  if (params.revoked.has(address))
    return { ok: false, code: 'REVOKED', message: 'this client has been revoked' }
  return { ok: true, client: address }
}
