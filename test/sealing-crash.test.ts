import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import Database from 'better-sqlite3'
import { verifyBundle } from '../src/epoch/index.ts'
import { prepareSealableStore } from './_harness/epochStore.ts'

const CHILD = join(import.meta.dirname, '_harness', 'sealChild.ts')
const JOBS = 20_000

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
  await prepareSealableStore(pristine, JOBS)
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
