import assert from 'node:assert/strict'
import { mkdtempSync, statSync } from 'node:fs'
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
