import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { readKeystore, writeKeystore } from './index.ts'

const KEY = Buffer.from('59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d', 'hex')

test('writeKeystore() writes a 0600 v3 keystore that readKeystore() opens to the same key', {
  timeout: 60_000,
}, async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'apiary-keystore-')), 'wallet.json')
  const { address } = await writeKeystore({ path, password: 'correct horse', privateKey: KEY })
  assert.equal(address, '0x70997970c51812dc3a010c7d01b50e0d17dc79c8')
  assert.equal(statSync(path).mode & 0o777, 0o600)
  const opened = await readKeystore({ path, password: 'correct horse' })
  assert.equal(opened.address, address)
  assert.equal(opened.privateKey, `0x${KEY.toString('hex')}`)
  await assert.rejects(readKeystore({ path, password: 'wrong horse' }), /wrong password/)
  await assert.rejects(writeKeystore({ path, password: 'correct horse' }), /never overwritten/)
  await assert.rejects(writeKeystore({ path: `${path}.2`, password: 'short' }), /at least 8/)
})

test('readKeystore() opens a keystore in ethers v6 layout (`Crypto`, `x-ethers`) and tells "not a v3 keystore" from "wrong password"', {
  timeout: 60_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'apiary-keystore-'))
  const ours = join(dir, 'ours.json')
  await writeKeystore({ path: ours, password: 'correct horse', privateKey: KEY })
  // What ethers v6's Wallet.encrypt writes: the same v3 fields, `Crypto` capitalised, an `x-ethers` block.
  const { crypto, ...rest } = JSON.parse(readFileSync(ours, 'utf8')) as Record<string, unknown>
  const ethers = join(dir, 'ethers.json')
  writeFileSync(
    ethers,
    JSON.stringify({ ...rest, Crypto: crypto, 'x-ethers': { client: 'ethers/6.13.5', version: '0.1' } }),
  )
  const opened = await readKeystore({ path: ethers, password: 'correct horse' })
  assert.equal(opened.privateKey, `0x${KEY.toString('hex')}`)
  await assert.rejects(readKeystore({ path: ethers, password: 'wrong horse' }), {
    code: 'APIARY_KEYSTORE_LOCKED',
    message: /wrong password$/,
  })
  for (const [content, why] of [
    ['not json at all', /is not a v3 keystore: it is not JSON/],
    [JSON.stringify({ version: 1, crypto }), /its version is 1, not 3/],
    [
      JSON.stringify({ ...rest, crypto: { ...(crypto as object), mac: undefined } }),
      /crypto\.mac is missing/,
    ],
  ] as const) {
    writeFileSync(join(dir, 'bad.json'), content)
    await assert.rejects(readKeystore({ path: join(dir, 'bad.json'), password: 'correct horse' }), {
      code: 'APIARY_KEYSTORE_INVALID',
      message: why,
    })
  }
})
