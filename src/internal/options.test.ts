import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { z } from 'zod'
import { booleanOption, envName, resolveOptions } from './options.ts'

const schema = z.object({ chainId: z.coerce.number().int().default(1), logLevel: z.string().default('info') })

function configFile(content: object): string {
  const path = join(mkdtempSync(join(tmpdir(), 'apiary-options-')), 'config.json')
  writeFileSync(path, JSON.stringify(content))
  return path
}

test('resolveOptions() takes a flag over the environment over the config file over the default', () => {
  const file = configFile({ chainId: 3, logLevel: 'warn' })
  const env = { APIARY_CHAIN_ID: '2' }
  assert.deepEqual(resolveOptions(schema, { flags: { chainId: '1' }, env, configFile: file }), {
    chainId: 1,
    logLevel: 'warn',
  })
  assert.deepEqual(resolveOptions(schema, { flags: {}, env, configFile: file }), {
    chainId: 2,
    logLevel: 'warn',
  })
  assert.deepEqual(resolveOptions(schema, { flags: {}, env: {}, configFile: file }), {
    chainId: 3,
    logLevel: 'warn',
  })
  assert.deepEqual(resolveOptions(schema, { flags: {}, env: {} }), { chainId: 1, logLevel: 'info' })
})

test('resolveOptions() reads the config file named by APIARY_CONFIG', () => {
  const file = configFile({ logLevel: 'debug' })
  assert.equal(resolveOptions(schema, { flags: {}, env: { APIARY_CONFIG: file } }).logLevel, 'debug')
})

test('resolveOptions() names the flag and the variable of an invalid value', () => {
  assert.throws(
    () => resolveOptions(schema, { flags: {}, env: { APIARY_CHAIN_ID: 'mainnet' } }),
    (error: Error & { code?: string; details?: Record<string, unknown>; usage?: boolean }) =>
      error.code === 'APIARY_INVALID_OPTION' && error.details?.flag === '--chain-id' && error.usage === true,
  )
})

test('resolveOptions() refuses a config file that is not a JSON object', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'apiary-options-')), 'config.json')
  writeFileSync(path, '[1, 2]')
  assert.throws(() => resolveOptions(schema, { flags: {}, env: {}, configFile: path }), /not a JSON object/)
})

test('envName() maps camelCase options to APIARY_ variables', () => {
  assert.equal(envName('chainId'), 'APIARY_CHAIN_ID')
  assert.equal(envName('includeSlow'), 'APIARY_INCLUDE_SLOW')
})

test('booleanOption reads false from the environment as false', () => {
  const flags = z.object({ json: booleanOption.default(false) })
  assert.equal(resolveOptions(flags, { flags: {}, env: { APIARY_JSON: 'false' } }).json, false)
  assert.equal(resolveOptions(flags, { flags: {}, env: { APIARY_JSON: '1' } }).json, true)
  assert.equal(resolveOptions(flags, { flags: { json: true }, env: { APIARY_JSON: '0' } }).json, true)
})
