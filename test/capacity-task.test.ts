/**
 * The capacity task of Proof of Swarm (docs/spec/challenge.md#tasks) against its vectors, computed three ways:
 * the direct solver agents run (OpenSSL SHA-256), CapacityTask's creation code in the @ethereumjs EVM, and an
 * `eth_call` to the devnet (EDR, a different EVM): all equal, and one iteration costs exactly ITERATION_GAS.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { createEVM } from '@ethereumjs/evm'
import { type Address, type Hex, hexToBytes, slice, toHex } from 'viem'
import {
  CAPACITY_V1,
  capacityBound,
  capacityIterations,
  capacityTaskCall,
  capacityTaskSeed,
  encodeCapacityPrompt,
  ITERATION_GAS,
  parseCapacityPrompt,
  solveCapacityTask,
  solveCapacityTaskInWorker,
} from '../src/challenge/index.ts'
import { createEngineCrypto, evmCommon } from '../src/validation/index.ts'
import { useDevnet } from './_harness/chain.ts'
import { REPO_ROOT } from './_harness/fixtures.ts'

const vectors = JSON.parse(readFileSync(join(REPO_ROOT, 'docs/spec/vectors/challenge.json'), 'utf8'))
  .capacity as {
  iterationGas: string
  taskSeed: { seed: Hex; openHash: Hex; agent: Address; taskSeed: Hex }
  tasks: { taskSeed: Hex; difficulty: string; iterations: number; answer: Hex }[]
  bounds: {
    note: string
    difficulty: string
    gasPerSecond: number
    openTimestamp: string
    answeredCommitTimestamps: string[]
    units: number
  }[]
}
const context = useDevnet()
const crypto = createEngineCrypto()

test('task seeds, iterations and answers equal the vectors in the solver, on a worker thread, in @ethereumjs and in EDR', async () => {
  const s = vectors.taskSeed
  assert.equal(capacityTaskSeed(s), s.taskSeed)
  assert.equal(ITERATION_GAS.toString(), vectors.iterationGas)
  const gasOf: Record<number, bigint> = {}
  for (const t of vectors.tasks) {
    assert.equal(capacityIterations(BigInt(t.difficulty)), t.iterations)
    const task = { taskSeed: t.taskSeed, iterations: t.iterations }
    assert.equal(solveCapacityTask(crypto.keccak256, task), t.answer, `solver, ${t.iterations} iterations`)
    assert.equal((await solveCapacityTaskInWorker(task)).answer, t.answer, 'worker')
    const data = capacityTaskCall(t.taskSeed, t.iterations)
    const evm = await createEVM({ common: evmCommon(crypto, 1n, 'prague') })
    const run = await evm.runCall({ data: hexToBytes(data), gasLimit: 10n ** 10n })
    assert.equal(run.execResult.exceptionError, undefined)
    assert.equal(toHex(run.execResult.returnValue.subarray(0, 32)), t.answer, `@ethereumjs, ${t.iterations}`)
    assert.equal(BigInt(toHex(run.execResult.returnValue.subarray(32))), BigInt(t.iterations))
    gasOf[t.iterations] = run.execResult.executionGasUsed
    const returned = await context.chain.client.call({ data, gas: 50_000_000n })
    assert.equal(slice(returned.data as Hex, 0, 32), t.answer, `EDR eth_call, ${t.iterations}`)
  }
  // Every iteration costs the same: the difficulty is gas of real EVM execution. (Measured from the first
  // iteration on: a bare runCall, unlike a transaction, does not warm the precompile for its first call.)
  for (const n of [2, 1000])
    assert.equal(
      (gasOf[n] as bigint) - (gasOf[1] as bigint),
      BigInt(n - 1) * ITERATION_GAS,
      `${n} iterations`,
    )
})

test('a different agent, opening block or seed gives a different task', () => {
  const s = vectors.taskSeed
  const other = `0x${'22'.repeat(32)}` as Hex
  const seeds = new Set([
    capacityTaskSeed(s),
    capacityTaskSeed({ ...s, openHash: other }),
    capacityTaskSeed({ ...s, seed: other }),
    capacityTaskSeed({ ...s, agent: '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc' }),
  ])
  assert.equal(seeds.size, 4)
})

test('the capacity bound vectors', () => {
  for (const b of vectors.bounds) {
    const bound = capacityBound({
      difficulty: BigInt(b.difficulty),
      machineClass: { gasPerSecond: b.gasPerSecond, name: 'vector' },
      openTimestamp: BigInt(b.openTimestamp),
      answeredCommitTimestamps: b.answeredCommitTimestamps.map(BigInt),
    })
    assert.equal(bound.units, b.units, b.note)
  }
})

test('prompts: a capacity prompt round-trips; anything else, or too long, is not a task', () => {
  const machineClass = { gasPerSecond: 600_000_000, name: 'one core of AMD EPYC' }
  assert.deepEqual(parseCapacityPrompt(encodeCapacityPrompt(machineClass)), {
    task: CAPACITY_V1,
    class: machineClass,
  })
  for (const text of [
    'apiary/reexecute-v1',
    '{"task":"apiary/capacity-v1"}',
    '{"task":"apiary/capacity-v1","class":{"gasPerSecond":-1}}',
    '{"task":"apiary/capacity-v1","class":{"gasPerSecond":"fast"}}',
    '{"task":"apiary/capacity-v2","class":{"gasPerSecond":1}}',
    `{"task":"apiary/capacity-v1","class":{"gasPerSecond":1,"name":"${'x'.repeat(2000)}"}}`,
    '{',
  ])
    assert.equal(parseCapacityPrompt(text), undefined, text.slice(0, 60))
  assert.throws(() => capacityIterations(2n ** 64n - 1n), /APIARY_CHALLENGE_DIFFICULTY|beyond/)
})
