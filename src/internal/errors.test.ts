import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ApiaryError, edgeError } from './errors.ts'

test('edgeError(): the one table from an error to its HTTP status and gRPC code; internals never leave', () => {
  const rpcDown = new ApiaryError(
    'APIARY_RPC_UNREACHABLE',
    'the node at http://127.0.0.1:8545/ does not answer',
    {
      retryable: true,
    },
  )
  assert.deepEqual(edgeError(rpcDown), {
    http: 503,
    grpc: 14,
    code: 'RPC_UNREACHABLE',
    message: 'the node at http://127.0.0.1:8545/ does not answer',
  })
  assert.deepEqual(edgeError(new ApiaryError('APIARY_RPC_ERROR', 'eth_call: execution reverted')).http, 502)
  assert.deepEqual(edgeError(new ApiaryError('APIARY_BUNDLE_DAMAGED', 'jobs.json is not sealed')).grpc, 15)
  assert.deepEqual(edgeError(new ApiaryError('APIARY_SOMETHING', 'bad flag', { usage: true })), {
    http: 400,
    grpc: 3,
    code: 'SOMETHING',
    message: 'bad flag',
  })
  assert.deepEqual(edgeError(new ApiaryError('APIARY_BUSY', 'try later', { retryable: true })).http, 503)
  for (const internal of [
    new ApiaryError(
      'APIARY_STORE_MIGRATION_FAILED',
      'cannot bring /var/lib/apiary/coordinator.db up to date',
    ),
    new Error('SQLITE_CORRUPT: database disk image is malformed at /tmp/x.db'),
    'a string',
  ])
    assert.deepEqual(edgeError(internal), {
      http: 500,
      grpc: 13,
      code: 'INTERNAL',
      message: 'internal error',
    })
})
