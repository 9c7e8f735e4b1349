import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { gunzipSync } from 'node:zlib'
import Fastify from 'fastify'
import { EXPLORER_CSP, registerExplorerRoutes } from './explorerRoutes.ts'

function built() {
  const dir = mkdtempSync(join(tmpdir(), 'apiary-explorer-'))
  mkdirSync(join(dir, 'assets'))
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><script type="module" src="/assets/main-ABC.js"></script>',
  )
  writeFileSync(join(dir, 'assets/main-ABC.js'), 'console.log("explorer")'.repeat(100))
  writeFileSync(join(dir, 'assets/notes.txt'), 'not a served type')
  writeFileSync(join(dir, 'secret.key'), '0xdead')
  return dir
}

test('the explorer is served from memory: index.html under its CSP and not cached, hashed assets cached and gzipped on request, nothing else', async () => {
  const app = Fastify()
  registerExplorerRoutes(app, built())
  const index = await app.inject({ method: 'GET', url: '/' })
  assert.equal(index.statusCode, 200)
  assert.equal(index.headers['content-security-policy'], EXPLORER_CSP)
  assert.equal(index.headers['cache-control'], 'no-cache')
  assert.equal(index.headers['x-frame-options'], 'DENY')
  assert.match(index.body, /main-ABC\.js/)

  const plain = await app.inject({ method: 'GET', url: '/assets/main-ABC.js' })
  assert.equal(plain.statusCode, 200)
  assert.equal(plain.headers['content-type'], 'text/javascript; charset=utf-8')
  assert.match(String(plain.headers['cache-control']), /immutable/)
  assert.equal(plain.headers['content-encoding'], undefined)
  const zipped = await app.inject({
    method: 'GET',
    url: '/assets/main-ABC.js',
    headers: { 'accept-encoding': 'gzip, br' },
  })
  assert.equal(zipped.headers['content-encoding'], 'gzip')
  assert.ok(zipped.rawPayload.length < plain.rawPayload.length)
  assert.equal(gunzipSync(zipped.rawPayload).toString(), plain.body)

  // Only files of the build's own types, only by their names: no other file, no way out of the folder.
  for (const url of [
    '/assets/notes.txt',
    '/secret.key',
    '/assets/..%2Fsecret.key',
    '/assets/%2e%2e%2fsecret.key',
    '/assets/nothing.js',
  ])
    assert.equal((await app.inject({ method: 'GET', url })).statusCode, 404, url)
  await app.close()
})

test('without a build, / says how to make one (404 EXPLORER_NOT_BUILT)', async () => {
  const app = Fastify()
  registerExplorerRoutes(app, join(tmpdir(), 'apiary-no-explorer-here'))
  const response = await app.inject({ method: 'GET', url: '/' })
  assert.equal(response.statusCode, 404)
  assert.equal(response.json().code, 'EXPLORER_NOT_BUILT')
  await app.close()
})
