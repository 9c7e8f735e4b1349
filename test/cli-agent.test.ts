import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { deriveApiKey } from '../src/coordinator/identity/index.ts'
import { runApiary, startApiary, stopProcess } from './_harness/cli.ts'
import { FIXTURES } from './_harness/fixtures.ts'
import { assertPromtoolClean } from './_harness/promtool.ts'
import { waitFor } from './_harness/swarm.ts'

const SECRET = 'the agent cli test master secret'

test('apiary agent: a wrong API key stops it at once with a clear error (exit 1); with the right key Ctrl-C stops it in seconds', {
  timeout: 120_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'apiary-agent-cli-'))
  const secretFile = join(dir, 'secret')
  writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 })
  const keyFile = join(dir, 'wallet.key')
  writeFileSync(keyFile, '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d\n', {
    mode: 0o600,
  })
  const coordinator = await startApiary(
    [
      'coordinator',
      ...['--replay', join(FIXTURES, 'prestate'), '--master-secret-file', secretFile],
      ...['--datadir', join(dir, 'coordinator'), '--grpc-port', '0', '--http-port', '0'],
    ],
    { ready: 'coordinator  grpc' },
  )
  try {
    const hostPort = /grpc http:\/\/(\S+)/.exec(coordinator.output())?.[1] as string
    const agentArgs = (apiKey: string) => [
      ...['--log-level', 'info', 'agent'],
      ...['--coordinator', hostPort, '--agent-id', 'bee', '--api-key', apiKey],
      ...['--private-key-file', keyFile, '--level', 'L1', '--concurrency', '1'],
    ]
    const started = Date.now()
    const wrong = await runApiary(agentArgs(deriveApiKey('another secret of 32 bytes.....', 'bee')), 60_000)
    assert.equal(wrong.code, 1, wrong.stderr)
    assert.match(
      wrong.stderr,
      /error: http:\/\/\S+ refused agent bee: the API key does not belong to this agent id \(Unauthenticated\) \[APIARY_AGENT_REFUSED\]\nhint: check --agent-id and --api-key/,
    )
    assert.ok(Date.now() - started < 20_000, 'no endless retries')

    let answered = false
    const agent = await startApiary([...agentArgs(deriveApiKey(SECRET, 'bee')), '--metrics-port', '0'], {
      ready: 'Ctrl-C stops it',
      onLine: (line) => {
        if (line.includes('registered')) answered = true
      },
    })
    await waitFor('the agent registered', () => answered, 30_000)
    // Its own metrics, opt-in: what it did, checked by Prometheus' promtool.
    const metricsUrl = /metrics {6}(\S+)/.exec(agent.output())?.[1] as string
    let metrics = ''
    await waitFor(
      'a task done',
      async () => {
        metrics = await (await fetch(metricsUrl)).text()
        return /apiary_agent_tasks_completed_total [1-9]/.test(metrics)
      },
      30_000,
    )
    assert.match(metrics, /apiary_agent_task_duration_seconds_count\{level="L1"\} [1-9]/)
    assert.match(metrics, /apiary_agent_coordinators_connected 1/)
    assertPromtoolClean(metrics)
    const stopping = Date.now()
    await stopProcess(agent, 'SIGINT')
    const took = Date.now() - stopping
    assert.equal(agent.exitCode, 0, agent.output())
    assert.ok(took < 5000, `Ctrl-C took ${took} ms`)
  } finally {
    await stopProcess(coordinator, 'SIGTERM')
  }
})
