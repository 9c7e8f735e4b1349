/**
 * The challenge commands end to end: deploy swarm-challenge, register (twice: the second sends nothing),
 * challenge create for the registered agents, two agents answering, challenge finalize, challenge status,
 * and the refusals (unknown challenge, finalize too early, unreadable id).
 */
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { createPublicClient, createWalletClient, type Hex, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { type ChallengeResponder, createChallengeResponder } from '../src/agent/challenge/index.ts'
import { type Devnet, startDevnet } from '../src/chain/index.ts'
import { ITERATION_GAS } from '../src/challenge/index.ts'
import { runApiary } from './_harness/cli.ts'
import { logger, waitFor } from './_harness/swarm.ts'

let devnet: Devnet
const dir = mkdtempSync(join(tmpdir(), 'apiary-challenge-cli-'))
const keyFile = (i: number) => {
  const file = join(dir, `key-${i}`)
  writeFileSync(file, `${devnet.accounts[i]?.privateKey}\n`, { mode: 0o600 })
  return file
}
const responders: ChallengeResponder[] = []

before(async () => {
  devnet = await startDevnet({ logger }, { port: 0, accounts: 6, blockTime: 1 })
})
after(async () => {
  await Promise.all(responders.map((r) => r.close()))
  await devnet?.close()
})

test('apiary deploy swarm-challenge, register, challenge create/finalize/status run a challenge from the CLI', {
  timeout: 180_000,
}, async () => {
  const rpc = ['--rpc', devnet.url]
  const deployed = await runApiary([
    'deploy',
    'swarm-challenge',
    ...rpc,
    '--private-key-file',
    keyFile(0),
    '--json',
  ])
  assert.equal(deployed.code, 0, deployed.stderr)
  const { registry, challenge } = JSON.parse(deployed.stdout) as { registry: Hex; challenge: Hex }

  for (const i of [1, 2]) {
    const registered = await runApiary([
      'register',
      ...rpc,
      '--private-key-file',
      keyFile(i),
      '--registry',
      registry,
      '--name',
      `agent-${i}`,
      '--accept-challenges',
      'any',
    ])
    assert.equal(registered.code, 0, registered.stderr)
    assert.match(
      registered.stdout,
      new RegExp(
        `^registered agent ${i - 1} \\(wallet 0x[0-9a-f]{40}\\) in 0x[0-9a-f]{64}\\npublished messaging key 0x0[23][0-9a-f]{64} in 0x[0-9a-f]{64}\\naccepts up to 48 challenges a day from any creator \\(published in 0x[0-9a-f]{64}\\)\\n$`,
      ),
    )
  }
  const again = await runApiary([
    'register',
    ...rpc,
    '--private-key-file',
    keyFile(1),
    '--registry',
    registry,
    '--uri',
    'ipfs://x',
  ])
  assert.equal(again.code, 0, again.stderr)
  assert.match(
    again.stdout,
    /already operates agent 0; nothing sent\nmessaging key 0x0[23][0-9a-f]{64} already published\n/,
  )

  const client = createPublicClient({
    chain: devnet.chain,
    pollingInterval: 250,
    transport: http(devnet.url),
  })
  for (const i of [1, 2]) {
    const privateKey = devnet.accounts[i]?.privateKey as Hex
    responders.push(
      createChallengeResponder({
        logger,
        client,
        wallet: createWalletClient({
          account: privateKeyToAccount(privateKey),
          chain: devnet.chain,
          transport: http(devnet.url),
        }),
        privateKey,
        contract: challenge,
      }),
    )
  }
  const on = ['--swarm-challenge', challenge]
  const created = await runApiary([
    'challenge',
    'create',
    ...rpc,
    ...on,
    '--private-key-file',
    keyFile(0),
    '--commit-blocks',
    '8',
    '--reveal-blocks',
    '4',
    '--difficulty',
    String(500n * ITERATION_GAS),
    '--class-gas-per-second',
    '600000000',
    '--class-name',
    'a test class',
    '--json',
  ])
  assert.equal(created.code, 0, created.stderr)
  const opened = JSON.parse(created.stdout) as { id: Hex; revealDeadline: Hex; invitees: Hex[] }
  assert.equal(opened.invitees.length, 2)
  const id = BigInt(opened.id).toString()

  const early = await runApiary([
    'challenge',
    'finalize',
    id,
    ...rpc,
    ...on,
    '--private-key-file',
    keyFile(0),
  ])
  assert.equal(early.code, 1)
  assert.match(early.stderr, /finalize reverted: RevealNotOver/)

  await waitFor(
    'the reveal window to pass',
    async () => (await client.getBlockNumber({ cacheTime: 0 })) > BigInt(opened.revealDeadline),
    60_000,
  )
  const finalized = await runApiary([
    'challenge',
    'finalize',
    id,
    ...rpc,
    ...on,
    '--private-key-file',
    keyFile(0),
  ])
  assert.equal(finalized.code, 0, finalized.stderr)
  assert.match(
    finalized.stdout,
    new RegExp(
      `^challenge ${id}: score 100\\.00% \\(2/2 answered: 2 revealed, 2 committed, spread [0-4] blocks\\) — passed\\n$`,
    ),
  )

  const status = await runApiary(['challenge', 'status', id, ...rpc, ...on])
  assert.equal(status.code, 0, status.stderr)
  assert.match(status.stdout, /finalized {2}\(apiary\/capacity-v1\)/)
  assert.match(status.stdout, /difficulty 12410500 gas \(500 sequential SHA-256 iterations per task\)/)
  // 500 iterations are 0.02 s for the class: one unit could have answered both, and the bound says so.
  assert.match(status.stdout, /capacity: at least 1 unit of the class "a test class" \(600 M gas\/s each\)/)

  const verified = await runApiary(['challenge', 'verify', id, ...rpc, ...on])
  assert.equal(verified.code, 0, verified.stderr)
  assert.match(verified.stdout, /2 revealed tasks recomputed \(500 iterations each\)/)
  assert.equal(verified.stdout.match(/reveal correct, creator agrees/g)?.length, 2)

  const calibrated = await runApiary([
    'challenge',
    'calibrate',
    '--block-seconds',
    '2',
    '--commit-blocks',
    '10',
    '--seconds',
    '0.5',
    '--json',
  ])
  assert.equal(calibrated.code, 0, calibrated.stderr)
  const c = JSON.parse(calibrated.stdout) as {
    gasPerSecond: number
    windowSeconds: number
    difficulty: string
    taskSeconds: number
  }
  assert.equal(c.windowSeconds, 20)
  assert.ok(c.gasPerSecond > 1e7, `${c.gasPerSecond} gas/s`)
  assert.equal(BigInt(c.difficulty) % ITERATION_GAS, 0n)
  assert.ok(Math.abs(c.taskSeconds - 12) < 0.5, `${c.taskSeconds} s per task: 60 % of the window`)
  assert.match(status.stdout, /commits 2\/2 \(participation 100\.00%\), reveals 2 \(reveal rate 100\.00%\)/)
  assert.match(status.stdout, /off-chain: score 100\.00%, agrees with the contract/)

  const unknown = await runApiary(['challenge', 'status', '12345', ...rpc, ...on])
  assert.equal(unknown.code, 2)
  assert.match(unknown.stderr, /APIARY_CHALLENGE_UNKNOWN|no challenge 12345/)
  const bad = await runApiary(['challenge', 'status', 'abc', ...rpc, ...on])
  assert.equal(bad.code, 2, bad.stderr)
})
