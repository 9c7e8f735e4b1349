import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createDispatcher } from './index.ts'

function clock(start = 1_000_000) {
  let t = start
  return { now: () => t, advance: (ms: number) => (t += ms) }
}

test('each task goes to two distinct agents of its level, within their in-flight limits', () => {
  const d = createDispatcher({ redundancy: 2 })
  d.addAgent('a', { level: 3, maxInFlight: 2 })
  d.addAgent('b', { level: 3, maxInFlight: 10 })
  d.addAgent('l1', { level: 1, maxInFlight: 10 })
  for (let i = 0; i < 3; i++) assert.equal(d.enqueue({ key: `tx${i}`, level: 3 }), true)
  assert.equal(d.enqueue({ key: 'tx0', level: 3 }), false)
  const a = d.assign('a', 10)
  assert.deepEqual(
    a.map((x) => x.key),
    ['tx0', 'tx1'],
  )
  const b = d.assign('b', 10)
  assert.deepEqual(
    b.map((x) => x.key),
    ['tx0', 'tx1', 'tx2'],
  )
  assert.deepEqual(d.assign('b', 10), [], 'never the same task twice to one agent')
  assert.deepEqual(d.assign('l1', 10), [], 'L3 work does not go to an L1 agent')
  assert.equal(new Set([...a, ...b].map((x) => x.taskId)).size, 5)
})

test('accept() takes one answer per open assignment of the caller, before its deadline', () => {
  const c = clock()
  const d = createDispatcher({ redundancy: 1, deadlineMs: 1000, now: c.now })
  d.addAgent('a', { level: 1, maxInFlight: 10 })
  d.addAgent('b', { level: 1, maxInFlight: 10 })
  d.enqueue({ key: 'tx', level: 1 })
  const [assignment] = d.assign('a', 1)
  assert.ok(assignment)
  assert.deepEqual(d.accept('b', assignment.taskId), { ok: false, code: 'NOT_ASSIGNED' })
  assert.deepEqual(d.accept('a', 'forged'), { ok: false, code: 'NOT_ASSIGNED' })
  assert.equal(d.accept('a', assignment.taskId).ok, true)
  assert.deepEqual(d.accept('a', assignment.taskId), { ok: false, code: 'DUPLICATE' })
  d.enqueue({ key: 'tx2', level: 1 })
  const [late] = d.assign('a', 1)
  assert.ok(late)
  c.advance(1001)
  assert.deepEqual(d.accept('a', late.taskId), { ok: false, code: 'LATE' })
})

test('an overdue or departed agent loses its tasks to another agent', () => {
  const c = clock()
  const d = createDispatcher({ redundancy: 1, deadlineMs: 1000, now: c.now })
  d.addAgent('slow', { level: 2, maxInFlight: 10 })
  d.addAgent('quick', { level: 2, maxInFlight: 10 })
  d.enqueue({ key: 'tx', level: 2 })
  d.enqueue({ key: 'tx2', level: 2 })
  assert.equal(d.assign('slow', 10).length, 2)
  assert.deepEqual(d.assign('quick', 10), [], 'nothing to spare while slow holds both')
  c.advance(1001)
  assert.equal(d.expire().length, 2)
  const reassigned = d.assign('quick', 10)
  assert.deepEqual(reassigned.map((x) => x.key).sort(), ['tx', 'tx2'])
  for (const assignment of reassigned) assert.equal(d.accept('quick', assignment.taskId).ok, true)
  assert.deepEqual(
    d.assign('slow', 10),
    [],
    'an expired task does not go back to the agent that let it expire',
  )
  d.enqueue({ key: 'tx3', level: 2 })
  const [held] = d.assign('quick', 10)
  assert.ok(held)
  d.addAgent('third', { level: 2, maxInFlight: 10 })
  d.removeAgent('quick')
  assert.deepEqual(
    d.assign('third', 10).map((x) => x.key),
    ['tx3'],
  )
})

test('finished work is forgotten, so memory does not grow with the chain', () => {
  const c = clock()
  const d = createDispatcher({ redundancy: 1, deadlineMs: 100, retainMs: 100, now: c.now })
  d.addAgent('a', { level: 1, maxInFlight: 1000 })
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 200; i++) d.enqueue({ key: `r${round}-${i}`, level: 1 })
    for (const assignment of d.assign('a', 1000)) assert.equal(d.accept('a', assignment.taskId).ok, true)
    c.advance(500)
    d.expire()
    assert.deepEqual(d.stats(), { queued: 0, open: 0, agents: 1, abandoned: 0 })
  }
  assert.equal(
    d.enqueue({ key: 'r0-0', level: 1 }),
    true,
    'a forgotten key may be queued again: the follower enqueues each block once',
  )
})

test('a task nobody can take is dropped after its time to live, and a restart seeds past answers', () => {
  const c = clock()
  const d = createDispatcher({ redundancy: 2, deadlineMs: 100, taskTtlMs: 1000, now: c.now })
  d.enqueue({ key: 'orphan', level: 3 })
  c.advance(1001)
  d.expire()
  assert.deepEqual(d.stats(), { queued: 0, open: 0, agents: 0, abandoned: 1 })
  d.addAgent('a', { level: 1, maxInFlight: 10 })
  d.addAgent('b', { level: 1, maxInFlight: 10 })
  d.enqueue({ key: 'seen', level: 1 }, ['a'])
  assert.deepEqual(d.assign('a', 10), [], 'an agent that answered before a restart does not get it again')
  const [second] = d.assign('b', 10)
  assert.ok(second)
  assert.equal(d.accept('b', second.taskId).ok, true)
  assert.equal(d.enqueue({ key: 'seen', level: 1 }), true, 'two answers: finished and forgotten at once')
  assert.match(second.taskId, /^[0-9a-f]{32}$/, 'task ids are 128 random bits: unguessable')
})

test('copies of a task go to different regions first, and a lone region still gets the second copy after regionWaitMs', () => {
  const c = clock()
  const d = createDispatcher({ redundancy: 2, regionWaitMs: 250, now: c.now })
  d.addAgent('eu-1', { level: 3, maxInFlight: 10, region: 'eu' })
  d.addAgent('eu-2', { level: 3, maxInFlight: 10, region: 'eu' })
  d.addAgent('us-1', { level: 3, maxInFlight: 1, region: 'us' })
  d.enqueue({ key: 'tx0', level: 3 })
  d.enqueue({ key: 'tx1', level: 3 })
  assert.deepEqual(
    d.assign('eu-1', 10).map((x) => x.key),
    ['tx0', 'tx1'],
  )
  assert.deepEqual(d.assign('eu-2', 10), [], 'the second copies wait for the other region')
  assert.deepEqual(
    d.assign('us-1', 10).map((x) => x.key),
    ['tx0'],
  )
  c.advance(100)
  assert.deepEqual(d.assign('eu-2', 10), [], 'tx1 is still young: the us agent may free up')
  c.advance(200)
  assert.deepEqual(
    d.assign('eu-2', 10).map((x) => x.key),
    ['tx1'],
    'after regionWaitMs the same region takes it',
  )
  // Agents without a region are one region: no waiting at all.
  const plain = createDispatcher({ redundancy: 2, now: c.now })
  plain.addAgent('a', { level: 1, maxInFlight: 10 })
  plain.addAgent('b', { level: 1, maxInFlight: 10 })
  plain.enqueue({ key: 'tx', level: 1 })
  assert.equal(plain.assign('a', 10).length, 1)
  assert.equal(plain.assign('b', 10).length, 1)
})

test('an expired copy no longer holds its region', () => {
  const c = clock()
  const d = createDispatcher({ redundancy: 1, deadlineMs: 1000, regionWaitMs: 10_000, now: c.now })
  d.addAgent('eu-1', { level: 1, maxInFlight: 10, region: 'eu' })
  d.addAgent('eu-2', { level: 1, maxInFlight: 10, region: 'eu' })
  d.addAgent('us-1', { level: 1, maxInFlight: 10, region: 'us' })
  d.enqueue({ key: 'tx', level: 1 })
  assert.equal(d.assign('eu-1', 10).length, 1)
  c.advance(1001)
  assert.equal(d.expire().length, 1)
  // The expired copy no longer counts for eu: one copy is needed and no region holds one.
  assert.equal(d.assign('eu-2', 10).length, 1)
})
