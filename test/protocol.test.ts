import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { test } from 'node:test'
import { create, fromBinary, toBinary } from '@bufbuild/protobuf'
import { recoverMessageAddress } from 'viem'
import {
  HeartbeatResponseSchema,
  Level,
  RegisterRequestSchema,
  TaskResultSchema,
  TaskSchema,
} from '../src/gen/apiary/v1/swarm_pb.js'
import { answerTask, witnessToMessage } from '../src/protocol/index.ts'
import {
  bigIntToBytes,
  bytesToBigInt,
  createEngineCrypto,
  parseWitness,
  toHex,
} from '../src/validation/index.ts'
import { REPO_ROOT } from './_harness/fixtures.ts'

const vector = JSON.parse(readFileSync(join(REPO_ROOT, 'docs/spec/vectors/protocol-register.json'), 'utf8'))

test('the registration vector: the wallet signature recovers the payout wallet over the binding message', async () => {
  const message = [
    'Apiary agent registration',
    `agent: ${vector.agentId}`,
    `wallet: ${vector.wallet}`,
    `chain: ${vector.chainId}`,
    `signed at: ${vector.signedAt}`,
  ].join('\n')
  assert.equal(message, vector.bindingMessage)
  const signer = await recoverMessageAddress({ message, signature: vector.walletSignature })
  assert.equal(signer.toLowerCase(), vector.wallet)
})

test('the generated code encodes the registration vector to its documented wire bytes and back', () => {
  const request = create(RegisterRequestSchema, {
    level: Level.L3,
    region: vector.request.region,
    maxInFlight: vector.request.maxInFlight,
    payoutWallet: Buffer.from(vector.wallet.slice(2), 'hex'),
    walletSignature: Buffer.from(vector.walletSignature.slice(2), 'hex'),
    signedAt: BigInt(vector.signedAt),
    agentVersion: vector.request.agentVersion,
  })
  assert.equal(Buffer.from(toBinary(RegisterRequestSchema, request)).toString('hex'), vector.wire)
  const decoded = fromBinary(RegisterRequestSchema, Buffer.from(vector.wire, 'hex'))
  assert.equal(decoded.level, Level.L3)
  assert.equal(decoded.signedAt, BigInt(vector.signedAt))
  assert.equal(Buffer.from(decoded.payoutWallet).toString('hex'), vector.wallet.slice(2))
})

test('src/gen is what buf generates from proto/ (generated code is never edited by hand)', () => {
  const out = mkdtempSync(join(tmpdir(), 'apiary-gen-'))
  const env = { ...process.env, PATH: `${join(REPO_ROOT, 'node_modules/.bin')}:${process.env.PATH ?? ''}` }
  execFileSync(join(REPO_ROOT, 'node_modules/.bin/buf'), ['generate', '-o', out], {
    cwd: REPO_ROOT,
    stdio: 'pipe',
    env,
  })
  const files = (dir: string): string[] =>
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath, e.name)))
      .sort()
  const fresh = join(out, 'src/gen')
  const committed = join(REPO_ROOT, 'src/gen')
  assert.deepEqual(files(fresh), files(committed))
  for (const file of files(fresh)) {
    assert.equal(
      readFileSync(join(fresh, file), 'utf8'),
      readFileSync(join(committed, file), 'utf8'),
      `${file} is stale: run npx buf generate`,
    )
  }
})

test('the protocol passes buf lint', () => {
  execFileSync(join(REPO_ROOT, 'node_modules/.bin/buf'), ['lint'], { cwd: REPO_ROOT, stdio: 'pipe' })
})

test('the task vectors: a witness becomes the documented Task bytes, and the engine answers with the documented TaskResult bytes', async () => {
  const tasks = JSON.parse(readFileSync(join(REPO_ROOT, 'docs/spec/vectors/protocol-task.json'), 'utf8'))
  const witness = parseWitness(
    JSON.parse(readFileSync(join(REPO_ROOT, 'docs/spec/vectors', tasks.witness), 'utf8')).witness,
  )
  const crypto = createEngineCrypto()
  for (const [name, level, full] of [
    ['l1', Level.L1, false],
    ['l3', Level.L3, true],
  ] as const) {
    const vector = tasks[name]
    const task = create(TaskSchema, {
      taskId: vector.taskId,
      level,
      deadlineUnixMs: BigInt(vector.deadlineUnixMs),
      witness: witnessToMessage(witness, { full }),
    })
    assert.equal(Buffer.from(toBinary(TaskSchema, task)).toString('hex'), vector.taskWire, `${name} task`)
    const result = await answerTask({ crypto }, fromBinary(TaskSchema, Buffer.from(vector.taskWire, 'hex')))
    result.latencyUs = 0
    assert.equal(
      Buffer.from(toBinary(TaskResultSchema, result)).toString('hex'),
      vector.resultWire,
      `${name} result`,
    )
    assert.equal(result.valid, true)
    assert.equal(`0x${Buffer.from(result.sender).toString('hex')}`, `0x${vector.result.sender}`)
  }
  assert.equal(tasks.l3.result.gasUsed, 21000)
})

test('the heartbeat vector: a payout encodes to its documented wire bytes and decodes to the same amounts', () => {
  const hb = JSON.parse(readFileSync(join(REPO_ROOT, 'docs/spec/vectors/protocol-heartbeat.json'), 'utf8'))
  const payout = hb.response.lastPayout
  const message = create(HeartbeatResponseSchema, {
    reregister: hb.response.reregister,
    chainId: BigInt(hb.response.chainId),
    lastPayout: {
      epoch: BigInt(payout.epoch),
      amount: bigIntToBytes(BigInt(payout.amountWei)),
      rank: payout.rank,
      agentsPaid: payout.agentsPaid,
      txHash: Buffer.from(payout.txHash.slice(2), 'hex'),
      pool: Buffer.from(payout.pool.slice(2), 'hex'),
    },
  })
  assert.equal(Buffer.from(toBinary(HeartbeatResponseSchema, message)).toString('hex'), hb.wire)
  const decoded = fromBinary(HeartbeatResponseSchema, Buffer.from(hb.wire, 'hex'))
  assert.equal(bytesToBigInt(decoded.lastPayout?.amount ?? new Uint8Array()).toString(), payout.amountWei)
  assert.equal(toHex(decoded.lastPayout?.pool ?? new Uint8Array()), payout.pool)
  assert.equal(decoded.lastPayout?.epoch, 3n)
})
