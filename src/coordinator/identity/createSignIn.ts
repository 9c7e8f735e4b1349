import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { type Hex, recoverMessageAddress } from 'viem'
import { parseSiweMessage, validateSiweMessage } from 'viem/siwe'
import { deriveClientKey } from './deriveClientKey.ts'

export interface SignInDependencies {
  masterSecret: string
  /** The chain the coordinator follows: a message for another chain is refused. */
  chainId: number
  revoked: ReadonlySet<string>
  now?: () => number
  /** How long a nonce may be used after it was issued (default 5 minutes). */
  nonceTtlMs?: number
}

export type SignInResult =
  | { ok: true; client: `0x${string}`; apiKey: string }
  | {
      ok: false
      code: 'SIWE_INVALID' | 'SIWE_NONCE_INVALID' | 'SIWE_SIGNATURE_INVALID' | 'REVOKED'
      message: string
    }

/** Nonces used at most this many at once per replica (each lives nonceTtlMs): memory stays bounded. */
const MAX_USED = 100_000

/**
 * Sign-In with Ethereum (EIP-4361) for clients (docs/spec/jobs.md#sign-in): a wallet signs a SIWE message
 * for this coordinator's domain and chain with a nonce the coordinator issued, and gets its API key — the
 * same one the operator would issue (deriveClientKey). Nonces are stateless (a timestamp and 8 random bytes
 * under an HMAC of the master secret, so every replica accepts them) and single-use on the replica that
 * takes them; a used or expired nonce, another domain or chain, an expired message or a signature by
 * anyone but the message's address is refused. Only EOA signatures (no ERC-1271 contract wallets: checking
 * one would make an unauthenticated request cost a chain call).
 */
export function createSignIn(deps: SignInDependencies) {
  const now = deps.now ?? Date.now
  const ttl = deps.nonceTtlMs ?? 5 * 60_000
  const used = new Map<string, number>()
  const mac = (body: string) =>
    createHmac('sha256', deps.masterSecret).update(`siwe-nonce:${body}`).digest('hex').slice(0, 24)

  const nonceAge = (nonce: string): number | undefined => {
    const match = /^([0-9a-f]{12})([0-9a-f]{16})([0-9a-f]{24})$/.exec(nonce)
    if (match === null) return undefined
    const expected = Buffer.from(mac(`${match[1]}${match[2]}`))
    const given = Buffer.from(match[3] as string)
    if (!timingSafeEqual(expected, given)) return undefined
    return now() - Number.parseInt(match[1] as string, 16)
  }
  const forgetExpired = () => {
    const at = now()
    for (const [nonce, expires] of used) {
      if (expires > at && used.size < MAX_USED) break
      used.delete(nonce)
    }
  }

  return {
    /** A fresh nonce: 52 hex digits (timestamp, random, HMAC). */
    nonce(): { nonce: string; expiresAt: number } {
      const issued = now()
      const body = `${issued.toString(16).padStart(12, '0')}${randomBytes(8).toString('hex')}`
      return { nonce: `${body}${mac(body)}`, expiresAt: issued + ttl }
    },

    /** Checks a signed SIWE message sent to `domain` (the Host the client called) and returns its key. */
    async signIn(p: { message: string; signature: Hex; domain: string }): Promise<SignInResult> {
      let fields: ReturnType<typeof parseSiweMessage>
      try {
        fields = parseSiweMessage(p.message)
      } catch {
        return { ok: false, code: 'SIWE_INVALID', message: 'not an EIP-4361 message' }
      }
      const { address, nonce, chainId } = fields
      if (
        address === undefined ||
        nonce === undefined ||
        chainId === undefined ||
        fields.domain === undefined
      )
        return {
          ok: false,
          code: 'SIWE_INVALID',
          message: 'the message lacks its domain, address, chain id or nonce',
        }
      if (fields.domain !== p.domain)
        return {
          ok: false,
          code: 'SIWE_INVALID',
          message: `the message is for ${fields.domain}, not for ${p.domain}`,
        }
      if (chainId !== deps.chainId)
        return {
          ok: false,
          code: 'SIWE_INVALID',
          message: `the message is for chain ${chainId}, this coordinator follows chain ${deps.chainId}`,
        }
      if (!validateSiweMessage({ message: fields, time: new Date(now()) }))
        return { ok: false, code: 'SIWE_INVALID', message: 'the message has expired or is not valid yet' }
      const age = nonceAge(nonce)
      if (age === undefined || age < -60_000 || age > ttl || used.has(nonce))
        return {
          ok: false,
          code: 'SIWE_NONCE_INVALID',
          message: 'the nonce was not issued by this coordinator, has expired or was used: get a new one',
        }
      let signer: string
      try {
        signer = await recoverMessageAddress({ message: p.message, signature: p.signature })
      } catch {
        signer = ''
      }
      if (signer.toLowerCase() !== address.toLowerCase())
        return {
          ok: false,
          code: 'SIWE_SIGNATURE_INVALID',
          message: `the message is not signed by ${address}`,
        }
      forgetExpired()
      used.set(nonce, now() + ttl)
      const client = address.toLowerCase() as `0x${string}`
      if (deps.revoked.has(client))
        return { ok: false, code: 'REVOKED', message: 'this client has been revoked' }
      return { ok: true, client, apiKey: deriveClientKey(deps.masterSecret, client) }
    },
  }
}

export type SignIn = ReturnType<typeof createSignIn>
