import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { test } from 'node:test'
import { REPO_ROOT } from './_harness/fixtures.ts'

/** A `node` on PATH, outside this repository, older than 22.12 (the machine's own Node, say), if any. */
function olderNode(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'node')
    if (dir.startsWith(REPO_ROOT) || !existsSync(candidate)) continue
    const version = spawnSync(candidate, ['--version'], { encoding: 'utf8' }).stdout.trim()
    const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number)
    if (major > 0 && (major < 22 || (major === 22 && minor < 12))) return candidate
  }
  return undefined
}

test('the built CLI runs on this Node, and on a Node older than 22.12 it says what to do instead of crashing', {
  timeout: 120_000,
}, (t) => {
  // Inside the repository (an ignored folder), so that the build finds node_modules.
  mkdirSync(join(REPO_ROOT, '.apiary'), { recursive: true })
  const out = mkdtempSync(join(REPO_ROOT, '.apiary', 'dist-'))
  t.after(() => rmSync(out, { recursive: true, force: true }))
  // At low priority: the build takes both cores for seconds, and other test files run beside this one.
  execFileSync(
    'nice',
    [
      '-n',
      '15',
      process.execPath,
      join(REPO_ROOT, 'node_modules/typescript/bin/tsc'),
      '-p',
      'tsconfig.build.json',
      '--outDir',
      out,
    ],
    { cwd: REPO_ROOT },
  )
  const cli = join(out, 'cli', 'apiary.js')
  const current = spawnSync(process.execPath, [cli, '--version'], { encoding: 'utf8' })
  assert.equal(current.status, 0, current.stderr)
  assert.equal(current.stdout.trim(), '0.1.0')
  const old = olderNode()
  if (old === undefined) {
    t.skip('no Node older than 22.12 on PATH to run it with')
    return
  }
  const run = spawnSync(old, [cli, 'up'], { encoding: 'utf8', timeout: 30_000 })
  assert.equal(run.status, 1, `${run.stdout}${run.stderr}`)
  assert.match(
    run.stderr,
    /^error: apiary needs Node\.js 22\.12 or newer; this is v\d+\.\d+\.\d+ \[APIARY_NODE_UNSUPPORTED\]\nhint: /,
  )
  assert.equal(run.signal, null, 'no crash')
})
