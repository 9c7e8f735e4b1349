import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { walletBindingMessage } from '../../protocol/index.ts'
import { authenticateAgent, deriveApiKey, verifyWalletBinding } from './index.ts'

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
