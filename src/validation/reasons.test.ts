import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { EEST_EXCEPTIONS, REJECT_CODES } from './reasons.ts'

test('docs/spec/reason-codes.md lists every reason code with its meaning', () => {
  const doc = readFileSync(new URL('../../docs/spec/reason-codes.md', import.meta.url), 'utf8')
  for (const [code, meaning] of Object.entries(REJECT_CODES)) {
    const escaped = meaning.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    assert.match(
      doc,
      new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*${escaped}\\s*\\|`),
      `${code} is missing or out of date in the doc`,
    )
  }
})

test('every exception mapping names a known reason code', () => {
  for (const code of Object.keys(EEST_EXCEPTIONS)) assert.ok(code in REJECT_CODES, code)
})
