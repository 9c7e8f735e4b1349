import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'

/** Runs Prometheus' `promtool check metrics` on an exposition (Debian's `prometheus`; .ci/run installs it). */
export function assertPromtoolClean(text: string): void {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
  if (run.error !== undefined)
    assert.fail(`promtool is not installed (${run.error.message}): apt-get install prometheus`)
  assert.equal(run.status, 0, `promtool check metrics:\n${run.stdout}${run.stderr}`)
}
