import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { runApiary, startApiary, stopProcess } from './_harness/cli.ts'
import { freePort, waitFor } from './_harness/swarm.ts'

test('apiary up settles every epoch on the embedded devnet and its agents can claim with apiary claim', {
  timeout: 180_000,
}, async () => {
  const httpPort = await freePort()
  const datadir = mkdtempSync(join(tmpdir(), 'apiary-up-test-'))
  const api = `http://127.0.0.1:${httpPort}`
  const up = await startApiary(
    ['up', '--agents', '2', '--epoch-seconds', '3', '--epoch-reward', '2ether', '--tps', '4'].concat([
      '--http-port',
      String(httpPort),
      '--grpc-port',
      '0',
      '--datadir',
      datadir,
    ]),
    { ready: 'Ctrl-C stops everything.' },
  )
  try {
    const claimLine = /claim: apiary claim (.+)/.exec(up.output())?.[1]
    assert.ok(claimLine !== undefined, up.output())
    const rewards = async () =>
      (await (await fetch(`${api}/api/rewards?agent=agent-1-L3`)).json()) as {
        totals: { settledWei: string }
      }
    const settledEpochs = async () =>
      ((await (await fetch(`${api}/swarm/epochs`)).json()) as { epochs: { state: string }[] }).epochs.filter(
        (e) => e.state === 'settled',
      ).length
    await waitFor(
      'two epochs settled, agent-1-L3 paid',
      async () => (await settledEpochs()) >= 2 && BigInt((await rewards()).totals.settledWei) > 0n,
      120_000,
    )
    const settled = BigInt((await rewards()).totals.settledWei)
    const claim = await runApiary(['claim', ...claimLine.split(' '), '--json'])
    assert.equal(claim.code, 0, claim.stderr)
    const claimed = BigInt(JSON.parse(claim.stdout).claimedWei)
    assert.ok(claimed >= settled, `claimed ${claimed} < settled ${settled}`)
    await waitFor(
      'a status line with the last settlement',
      () => /\[\d+s\].* epoch \d+ {2}settled \d+ \(tx 0x[0-9a-f]{8}…\)/.test(up.output()),
      15_000,
    )
  } finally {
    await stopProcess(up, 'SIGINT')
  }
  assert.equal(up.exitCode, 0, up.output().slice(-2000))
})
