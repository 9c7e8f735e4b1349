import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { create, toBinary } from '@bufbuild/protobuf'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { createDispatcher } from '../src/coordinator/dispatch/index.ts'
import { createAccuracy, type Truth } from '../src/coordinator/scoring/index.ts'
import { openStore } from '../src/coordinator/store/index.ts'
import { createTaskHub } from '../src/coordinator/work/index.ts'
import { Level, TaskResultSchema, WitnessSchema } from '../src/gen/apiary/v1/swarm_pb.js'
import { createLogger } from '../src/internal/logger.ts'
import { witnessToMessage } from '../src/protocol/index.ts'
import { parseWitness, toHex } from '../src/validation/index.ts'
import { FIXTURES } from './_harness/fixtures.ts'
import { storeSql } from './_harness/storeSql.ts'

const witness = parseWitness(
  JSON.parse(readFileSync(join(FIXTURES, 'prestate/go-ethereum/call_tracer/create.json'), 'utf8')),
)
const message = witnessToMessage(witness, { full: true })
const hash = toHex(keccak_256(witness.transaction))

/**
 * One pending inclusion, one L1 agent holding its task, and a result ready to submit: then `order` runs
 * finalize (the chain's truth arriving) and submit (the agent's answer) either in the same event-loop turn
 * — so that both land in one group commit, in that order — or one after the other.
 */
async function race(order: 'finalize+submit' | 'submit+finalize' | 'finalize;submit' | 'submit;finalize') {
  const store = await openStore({ path: ':memory:' })
  await storeSql(store).run(
    "INSERT INTO agents (id, level, region, max_in_flight, payout_wallet, agent_version, session, registered_at, last_seen_at) VALUES ('bee', 1, '', 8, ?, 't', 1, 0, 0)",
    `0x${'b'.repeat(40)}`,
  )
  await storeSql(store).run(
    "INSERT INTO inclusions (key, source, block_number, block_hash, tx_index, tx_hash, witness, state, created_at) VALUES ('inc', 'chain', 1, ?, 0, ?, ?, 'pending', 0)",
    `0x${'1'.repeat(64)}`,
    hash,
    toBinary(WitnessSchema, message),
  )
  const hub = await createTaskHub({
    store,
    dispatcher: createDispatcher(),
    accuracy: createAccuracy(),
    logger: createLogger({ level: 'silent' }),
  })
  hub.enqueue('inc', { witness: message, levels: [Level.L1], pending: true })
  const stop = new AbortController()
  const batches = hub.stream('bee', { level: Level.L1, maxInFlight: 8 }, stop.signal)
  const task = (await batches.next()).value?.[0]
  assert.ok(task !== undefined, 'the agent got the task')
  const result = create(TaskResultSchema, {
    taskId: task.taskId,
    valid: true,
    txHash: keccak_256(witness.transaction),
  })
  const truth: Truth = { valid: true, hash }
  const finalize = () => hub.finalize('inc', truth)
  const submit = () => hub.submit('bee', [result])
  if (order === 'finalize+submit') await Promise.all([finalize(), submit()])
  else if (order === 'submit+finalize') await Promise.all([submit(), finalize()])
  else if (order === 'finalize;submit') await finalize().then(submit)
  else await submit().then(finalize)
  stop.abort()
  await batches.return(undefined)
  const row = (await storeSql(store).get('SELECT scored_at, matched FROM results')) as {
    scored_at: number | null
    matched: number | null
  }
  const counters = { ...hub.counters() }
  store.close()
  return { row, counters }
}

for (const order of ['finalize+submit', 'submit+finalize', 'finalize;submit', 'submit;finalize'] as const)
  test(`a result is scored exactly once whatever the order of its submission and its inclusion's finalization (${order})`, async () => {
    const { row, counters } = await race(order)
    assert.ok(row.scored_at !== null, 'the result was scored')
    assert.equal(row.matched, 1)
    assert.deepEqual([counters.answered, counters.scored, counters.matched], [1, 1, 1])
  })
