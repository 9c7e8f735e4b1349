import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import Database from 'better-sqlite3'
import { openStore } from '../src/coordinator/store/index.ts'
import { verifyBundle } from '../src/epoch/index.ts'

const CHILD = join(import.meta.dirname, '_harness', 'sealChild.ts')
const JOBS = 20_000

/** A store with one closed epoch of JOBS scored results by 4 agents (written directly, as the hub would). */
async function prepareStore(datadir: string) {
  mkdirSync(datadir, { recursive: true })
  const store = await openStore({ path: join(datadir, 'coordinator.db') })
  const { sqlite } = store
  sqlite.transaction(() => {
    const wallets = ['a', 'b', 'c', 'd'].map((c) => `0x${c.repeat(40)}`)
    for (const [i, wallet] of wallets.entries()) {
      sqlite
        .prepare(
          "INSERT INTO agents (id, level, region, max_in_flight, payout_wallet, agent_version, session, registered_at, last_seen_at) VALUES (?, 3, '', 8, ?, 't', 1, 0, 0)",
        )
        .run(`bee-${i}`, wallet)
      sqlite
        .prepare('INSERT INTO epoch_uptime (epoch, agent_id, ms) VALUES (1, ?, ?)')
        .run(`bee-${i}`, 1000 * (10 + i))
    }
    sqlite
      .prepare(
        "INSERT INTO epochs (number, started_at, start_block, closed_at, end_block, reward_wei, delegate_cut_wei, deposit_wei, settlement) VALUES (1, 0, 1, 100000, 999, '1000000000000000000', '0', '1000000000000000000', 'owed')",
      )
      .run()
    const inclusion = sqlite.prepare(
      "INSERT INTO inclusions (key, source, block_number, block_hash, tx_index, tx_hash, witness, state, created_at) VALUES (?, 'chain', ?, ?, ?, ?, ?, 'final', 0)",
    )
    const assignment = sqlite.prepare(
      'INSERT INTO assignments (task_id, inclusion, level, agent_id, assigned_at, deadline) VALUES (?, ?, 3, ?, ?, ?)',
    )
    const result = sqlite.prepare(
      "INSERT INTO results (task_id, inclusion, level, agent_id, received_at, result, scored_at, matched, scored_fields, mismatches) VALUES (?, ?, 3, ?, ?, ?, ?, ?, 'valid', '')",
    )
    const counts = new Map<string, { scored: number; matched: number }>()
    for (let i = 0; i < JOBS; i++) {
      const key = `0x${(i >> 2).toString(16).padStart(64, '0')}:${i % 4}`
      const agent = `bee-${i % 4}`
      inclusion.run(
        key,
        1 + (i >> 6),
        `0x${(i >> 6).toString(16).padStart(64, '0')}`,
        i % 4,
        `0x${i.toString(16).padStart(64, 'f')}`,
        Buffer.from(`witness ${i}`),
      )
      assignment.run(`t${i}`, key, agent, 1000 + i, 2000 + i)
      const matched = i % 97 === 0 ? 0 : 1
      // TaskResult { valid: true } (field 2, varint 1).
      result.run(`t${i}`, key, agent, 1005 + i, Buffer.from([0x10, 1]), 50_000, matched)
      const c = counts.get(agent) ?? { scored: 0, matched: 0 }
      c.scored++
      c.matched += matched
      counts.set(agent, c)
    }
    for (const [i, wallet] of wallets.entries()) {
      const c = counts.get(`bee-${i}`) ?? { scored: 0, matched: 0 }
      sqlite
        .prepare(
          "INSERT INTO epoch_agents (epoch, agent_id, wallet, scored, matched, accuracy_bps, bonus, weight, rank, amount_wei) VALUES (1, ?, ?, ?, ?, 0, 0, ?, 1, '0')",
        )
        .run(`bee-${i}`, wallet, c.scored, c.matched, String(c.matched * 1000))
    }
  })()
  store.close()
}

function runChild(datadir: string, killAfterMs?: number): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CHILD, datadir], { stdio: ['ignore', 'pipe', 'inherit'] })
    let stdout = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout })
    })
  })
}

function sealRow(datadir: string) {
  const db = new Database(join(datadir, 'coordinator.db'), { readonly: true })
  try {
    return db.prepare('SELECT cid, job_root FROM seals WHERE epoch = 1').get() as { cid: string } | undefined
  } finally {
    db.close()
  }
}

const readBundle = (dir: string) =>
  Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]))

test(`sealEpoch() killed at any moment (${JOBS} jobs) leaves no seal or a complete one, and the next run finishes it identically`, {
  timeout: 600_000,
}, async () => {
  const root = mkdtempSync(join(tmpdir(), 'apiary-seal-crash-'))
  const pristine = join(root, 'pristine')
  await prepareStore(pristine)
  // The reference: one uninterrupted seal of a copy.
  const reference = join(root, 'reference')
  mkdirSync(reference)
  copyFileSync(join(pristine, 'coordinator.db'), join(reference, 'coordinator.db'))
  const started = performance.now()
  const clean = await runChild(reference)
  const fullMs = performance.now() - started
  assert.equal(clean.code, 0)
  const cid = sealRow(reference)?.cid as string
  assert.match(cid, /^bafy/)
  const referenceFiles = readBundle(join(reference, 'epochs', 'epoch-000001'))

  const datadir = join(root, 'crashing')
  mkdirSync(datadir)
  copyFileSync(join(pristine, 'coordinator.db'), join(datadir, 'coordinator.db'))
  const outcomes = { before: 0, after: 0 }
  // Kill points spread over the whole run (start-up included), then a run left to finish.
  for (let k = 1; k <= 12; k++) {
    const killAt = Math.round((fullMs * k) / 12)
    const run = await runChild(datadir, killAt)
    const row = sealRow(datadir)
    const final = join(datadir, 'epochs', 'epoch-000001')
    if (row === undefined) outcomes.before++
    else {
      outcomes.after++
      assert.equal(row.cid, cid, `killed at ${killAt} ms: a recorded seal is the reference seal`)
    }
    // Whatever is under the bundle's final name is a complete, valid bundle (renamed into place whole).
    if (existsSync(final)) {
      const report = await verifyBundle(readBundle(final), { expectedCid: cid })
      assert.equal(
        report.valid,
        true,
        `killed at ${killAt} ms (exit ${run.code}): ${JSON.stringify(report.checks.filter((c) => !c.ok))}`,
      )
    }
    if (row !== undefined) break
  }
  const finished = await runChild(datadir)
  assert.equal(finished.code, 0)
  assert.equal(finished.stdout.trim(), `sealed ${cid}`)
  const files = readBundle(join(datadir, 'epochs', 'epoch-000001'))
  assert.deepEqual(Object.keys(files).sort(), Object.keys(referenceFiles).sort())
  for (const [name, bytes] of Object.entries(files))
    assert.ok(bytes.equals(referenceFiles[name] as Buffer), name)
  assert.ok(
    readFileSync(join(datadir, 'epochs', 'epoch-000001.car')).equals(
      readFileSync(join(reference, 'epochs', 'epoch-000001.car')),
    ),
  )
  assert.ok(outcomes.before > 0, `some kills came before the commit (${JSON.stringify(outcomes)})`)
})
