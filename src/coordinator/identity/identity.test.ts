import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { walletBindingMessage } from '../../protocol/index.ts'
import {
  authenticateAgent,
  authenticateClient,
  createSignIn,
  deriveApiKey,
  deriveClientKey,
  verifyWalletBinding,
} from './index.ts'

const SECRET = 'a master secret of more than 16 bytes'
const vector = JSON.parse(
  readFileSync(new URL('../../../docs/spec/vectors/protocol-register.json', import.meta.url), 'utf8'),
)

test('deriveApiKey() is apiary_ + hex HMAC-SHA256(secret, agent id)', () => {
  const expected = `apiary_${createHmac('sha256', SECRET).update('agent-7').digest('hex')}`
  assert.equal(deriveApiKey(SECRET, 'agent-7'), expected)
  assert.notEqual(deriveApiKey(SECRET, 'agent-8'), expected)
  assert.throws(() => deriveApiKey('short', 'agent-7'), /at least 16 bytes/)
  assert.throws(() => deriveApiKey(SECRET, 'agent 7'), /agent id/)
})

test('authenticateAgent() takes the identity from the credential and refuses keys of other agents', () => {
  const key = deriveApiKey(SECRET, 'agent-7')
  const call = (
    agentId: string | undefined,
    authorization: string | undefined,
    revoked = new Set<string>(),
  ) => authenticateAgent({ masterSecret: SECRET, revoked, agentId, authorization })
  assert.deepEqual(call('agent-7', `Bearer ${key}`), { ok: true, agentId: 'agent-7' })
  assert.equal(call('agent-8', `Bearer ${key}`).ok, false)
  assert.equal(call('agent-7', key).ok, false)
  assert.equal(call('agent-7', undefined).ok, false)
  assert.equal(call(undefined, `Bearer ${key}`).ok, false)
  assert.equal(call('agent-7', `Bearer ${key.slice(0, -1)}0`).ok, key.endsWith('0'))
  const revoked = call('agent-7', `Bearer ${key}`, new Set(['agent-7']))
  assert.equal(revoked.ok === false && revoked.code, 'REVOKED')
})

test('a client key is apiary_client_ + hex HMAC(secret, client:address); it opens only that client, case-insensitively, and never an agent', () => {
  const alice = '0xA11CE00000000000000000000000000000000001'
  const key = deriveClientKey(SECRET, alice)
  const mac = createHmac('sha256', SECRET).update(`client:${alice.toLowerCase()}`).digest('hex')
  assert.equal(key, `apiary_client_${mac}`)
  assert.equal(deriveClientKey(SECRET, alice.toLowerCase()), key, 'the address case does not matter')
  assert.throws(() => deriveClientKey(SECRET, 'alice'), /0x address/)
  assert.throws(() => deriveClientKey('short', alice), /at least 16 bytes/)
  const call = (client: string | undefined, authorization: string | undefined, revoked = new Set<string>()) =>
    authenticateClient({ masterSecret: SECRET, revoked, client, authorization })
  assert.deepEqual(call(alice, `Bearer ${key}`), { ok: true, client: alice.toLowerCase() })
  assert.equal(
    call('0xb0b0000000000000000000000000000000000002', `Bearer ${key}`).ok,
    false,
    'not another client',
  )
  assert.equal(call(alice, key).ok, false, 'only as a bearer token')
  assert.equal(call(undefined, `Bearer ${key}`).ok, false)
  const revoked = call(alice, `Bearer ${key}`, new Set([alice.toLowerCase()]))
  assert.equal(revoked.ok === false && revoked.code, 'REVOKED')
  // An agent key never opens a client, nor a client key an agent.
  assert.equal(call(alice, `Bearer ${deriveApiKey(SECRET, 'agent-7')}`).ok, false)
  assert.equal(
    authenticateAgent({
      masterSecret: SECRET,
      revoked: new Set(),
      agentId: 'agent-7',
      authorization: `Bearer ${key}`,
    }).ok,
    false,
  )
})

test('verifyWalletBinding() accepts the spec vector and refuses other agents, chains, stale times and signers', async () => {
  const binding = {
    agentId: vector.agentId,
    wallet: vector.wallet,
    chainId: BigInt(vector.chainId),
    signedAt: BigInt(vector.signedAt),
  }
  assert.equal(walletBindingMessage(binding), vector.bindingMessage)
  const now = BigInt(vector.signedAt) + 60n
  const verify = (changes: Partial<typeof binding> & { now?: bigint } = {}) =>
    verifyWalletBinding({ ...binding, signature: vector.walletSignature, now, ...changes })
  assert.deepEqual(await verify(), { ok: true })
  assert.deepEqual(await verify({ agentId: 'agent-8' }), { ok: false, reason: 'WRONG_SIGNER' })
  assert.deepEqual(await verify({ chainId: 1n }), { ok: false, reason: 'WRONG_SIGNER' })
  assert.deepEqual(await verify({ wallet: '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266' }), {
    ok: false,
    reason: 'WRONG_SIGNER',
  })
  assert.deepEqual(await verify({ now: BigInt(vector.signedAt) + 3600n }), { ok: false, reason: 'STALE' })
  assert.deepEqual(await verifyWalletBinding({ ...binding, signature: '0x1234', now }), {
    ok: false,
    reason: 'BAD_SIGNATURE',
  })
})

test('createSignIn(): EIP-4361 gives a wallet its own key once per nonce; replays, forged or stale nonces, other domains and chains, expired messages, other signers and revoked clients get nothing', async () => {
  const { createSiweMessage } = await import('viem/siwe')
  const { privateKeyToAccount } = await import('viem/accounts')
  const wallet = privateKeyToAccount(`0x${'a1'.repeat(32)}`)
  const thief = privateKeyToAccount(`0x${'b2'.repeat(32)}`)
  let clock = Date.UTC(2026, 11, 6, 12, 0, 0)
  const signIn = createSignIn({
    masterSecret: SECRET,
    chainId: 31337,
    revoked: new Set([thief.address.toLowerCase()]),
    now: () => clock,
  })
  const DOMAIN = 'coordinator.example:14690'
  const message = (over: Partial<Parameters<typeof createSiweMessage>[0]> = {}) =>
    createSiweMessage({
      domain: DOMAIN,
      address: wallet.address,
      uri: `http://${DOMAIN}`,
      version: '1',
      chainId: 31337,
      nonce: signIn.nonce().nonce,
      issuedAt: new Date(clock),
      ...over,
    })
  const attempt = async (text: string, by = wallet, domain = DOMAIN) =>
    signIn.signIn({ message: text, signature: await by.signMessage({ message: text }), domain })

  const good = message()
  const ok = await attempt(good)
  assert.deepEqual(ok, {
    ok: true,
    client: wallet.address.toLowerCase(),
    apiKey: deriveClientKey(SECRET, wallet.address),
  })
  const code = async (p: Promise<{ ok: boolean; code?: string }>) => (await p).code
  assert.equal(await code(attempt(good)), 'SIWE_NONCE_INVALID', 'a replay')
  assert.equal(
    await code(attempt(message({ nonce: 'f'.repeat(52) }))),
    'SIWE_NONCE_INVALID',
    'a forged nonce',
  )
  const stale = message()
  clock += 6 * 60_000
  assert.equal(await code(attempt(stale)), 'SIWE_NONCE_INVALID', 'a nonce older than 5 minutes')
  assert.equal(
    await code(attempt(message(), wallet, 'phishing.example')),
    'SIWE_INVALID',
    'signed for another site',
  )
  assert.equal(await code(attempt(message({ chainId: 1 }))), 'SIWE_INVALID', 'another chain')
  assert.equal(
    await code(attempt(message({ expirationTime: new Date(clock - 1000) }))),
    'SIWE_INVALID',
    'expired',
  )
  assert.equal(await code(attempt(message(), thief)), 'SIWE_SIGNATURE_INVALID', 'signed by someone else')
  assert.equal(await code(attempt(message({ address: thief.address }), thief)), 'REVOKED')
  assert.equal(await code(attempt('hello')), 'SIWE_INVALID', 'not EIP-4361')
  // A refused attempt does not use up the nonce of an honest one.
  const honest = message()
  assert.equal(await code(attempt(honest, thief)), 'SIWE_SIGNATURE_INVALID')
  assert.equal((await attempt(honest)).ok, true)
})
