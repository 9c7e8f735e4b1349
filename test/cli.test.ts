import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { FIXTURES, REPO_ROOT } from './_harness/fixtures.ts'

const EIP155_EXAMPLE =
  '0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83'

function apiary(args: string[], input?: string) {
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'src/cli/apiary.ts'), ...args], {
    encoding: 'utf8',
    input,
    env: {
      ...process.env,
      APIARY_CHAIN_ID: undefined,
      APIARY_FORK: undefined,
      APIARY_CONFIG: undefined,
      APIARY_MASTER_SECRET: undefined,
    },
    timeout: 60_000,
  })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

test('apiary validate tx prints the L1 verdict and exits 0 for a valid transaction', () => {
  const { code, stdout } = apiary(['validate', 'tx', EIP155_EXAMPLE, '--chain-id', '1', '--json'])
  assert.equal(code, 0)
  const verdict = JSON.parse(stdout)
  assert.equal(verdict.valid, true)
  assert.equal(verdict.sender, '0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f')
  assert.equal(verdict.intrinsicGas, '0x5208')
  assert.equal(verdict.transaction.nonce, '0x9')
})

test('apiary validate tx exits 1 with a reason code for a rejected transaction', () => {
  const { code, stdout } = apiary(['validate', 'tx', EIP155_EXAMPLE, '--chain-id', '5'])
  assert.equal(code, 1)
  assert.match(stdout, /reason +TX_CHAIN_ID_MISMATCH/)
})

test('apiary validate tx reads the transaction from stdin and takes the chain id from APIARY_CHAIN_ID', () => {
  const result = spawnSync(
    process.execPath,
    [join(REPO_ROOT, 'src/cli/apiary.ts'), 'validate', 'tx', '-', '--json'],
    {
      encoding: 'utf8',
      input: `${EIP155_EXAMPLE}\n`,
      env: { ...process.env, APIARY_CHAIN_ID: '137' },
    },
  )
  assert.equal(result.status, 1)
  assert.equal(JSON.parse(result.stdout).reason.code, 'TX_CHAIN_ID_MISMATCH')
})

test('apiary validate tx exits 2 with a hint for input that is not hex, and for an unknown fork', () => {
  const bad = apiary(['validate', 'tx', '0xzz'])
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /APIARY_INVALID_HEX/)
  assert.match(bad.stderr, /hint:/)
  const fork = apiary(['validate', 'tx', EIP155_EXAMPLE, '--fork', 'atlantis'])
  assert.equal(fork.code, 2)
  assert.match(fork.stderr, /unknown fork "atlantis"/)
})

test('apiary validate witness executes the spec vector at L3 and L2', () => {
  const vector = join(REPO_ROOT, 'docs/spec/vectors/witness-transfer.json')
  const file = JSON.stringify(JSON.parse(spawnSync('cat', [vector], { encoding: 'utf8' }).stdout).witness)
  const l3 = apiary(['validate', 'witness', '-', '--json'], file)
  assert.equal(l3.code, 0, l3.stderr)
  const verdict = JSON.parse(l3.stdout)
  assert.equal(verdict.level, 'L3')
  assert.equal(verdict.gasUsed, '0x5208')
  assert.equal(verdict.status, 'success')
  const l2 = apiary(['validate', 'witness', '-', '--level', 'L2'], file)
  assert.equal(l2.code, 0)
  assert.match(l2.stdout, /upfront cost +630000000001000/)
})

test('apiary validate witness exits 2 for a file that is not a witness', () => {
  const { code, stderr } = apiary(['validate', 'witness', '-'], '{"version": 1}')
  assert.equal(code, 2)
  assert.match(stderr, /APIARY_WITNESS_INVALID/)
})

test('apiary validate fixtures --json prints cases, passed, failed and skipped, and exits 0', () => {
  const { code, stdout } = apiary([
    'validate',
    'fixtures',
    join(FIXTURES, 'prestate'),
    '--filter',
    'prestate_tracer_with_diff_mode/*',
    '--json',
  ])
  assert.equal(code, 0)
  const summary = JSON.parse(stdout)
  assert.equal(summary.cases, 13)
  assert.equal(summary.passed, 13)
  assert.equal(summary.failed, 0)
  assert.equal(summary.skipped, 0)
})

test('apiary validate fixtures prints a table and exits 2 when nothing matches', () => {
  const table = apiary(['validate', 'fixtures', join(FIXTURES, 'tx/ethereum-tests'), '--filter', 'ttNonce/*'])
  assert.equal(table.code, 0)
  assert.match(table.stdout, /transaction-test +\d+ +\d+ +0 +0/)
  const none = apiary(['validate', 'fixtures', join(FIXTURES, 'tx'), '--filter', 'no-such-file.json'])
  assert.equal(none.code, 2)
  assert.match(none.stderr, /APIARY_NO_FIXTURES/)
})

test('apiary --help lists the validate commands', () => {
  const { code, stdout } = apiary(['validate', '--help'])
  assert.equal(code, 0)
  for (const command of ['tx', 'witness', 'fixtures']) assert.match(stdout, new RegExp(`\\b${command}\\b`))
})

test('apiary --config reads command options from a JSON file, below flags and the environment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'apiary-cli-'))
  const config = join(dir, 'apiary.json')
  writeFileSync(config, JSON.stringify({ chainId: 5, json: true }))
  const fromFile = apiary(['--config', config, 'validate', 'tx', EIP155_EXAMPLE])
  assert.equal(fromFile.code, 1)
  assert.equal(JSON.parse(fromFile.stdout).reason.code, 'TX_CHAIN_ID_MISMATCH')
  const flagWins = apiary(['--config', config, 'validate', 'tx', EIP155_EXAMPLE, '--chain-id', '1'])
  assert.equal(flagWins.code, 0)
})

test('apiary validate fixtures stops between files on SIGINT and says the counts are partial', async () => {
  const child = spawn(
    process.execPath,
    [
      join(REPO_ROOT, 'src/cli/apiary.ts'),
      '--log-level',
      'debug',
      'validate',
      'fixtures',
      join(FIXTURES, 'state'),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  // Interrupt once it is working through the files (a fixed delay raced the start-up on a loaded machine).
  const until = Date.now() + 60_000
  while (!stderr.includes('fixture file done') && Date.now() < until)
    await new Promise((resolve) => setTimeout(resolve, 50))
  child.kill('SIGINT')
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  assert.equal(code, 1)
  assert.match(stderr, /APIARY_INTERRUPTED/)
})

test('apiary apikey prints the HMAC key of an agent from a secret file, and exits 2 without a secret', () => {
  const dir = mkdtempSync(join(tmpdir(), 'apiary-cli-'))
  const secret = join(dir, 'secret')
  writeFileSync(secret, 'a master secret of more than 16 bytes\n')
  const { code, stdout } = apiary(['apikey', '--agent-id', 'agent-7', '--master-secret-file', secret])
  assert.equal(code, 0)
  assert.equal(
    stdout.trim(),
    `apiary_${createHmac('sha256', 'a master secret of more than 16 bytes').update('agent-7').digest('hex')}`,
  )
  const missing = apiary(['apikey', '--agent-id', 'agent-7'])
  assert.equal(missing.code, 2)
  assert.match(missing.stderr, /APIARY_MASTER_SECRET_MISSING/)
})

test('apiary keygen writes a keystore, prints its address, and refuses to overwrite it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'apiary-cli-'))
  const password = join(dir, 'pass')
  writeFileSync(password, 'correct horse battery\n')
  const out = join(dir, 'wallet.json')
  const first = apiary(['keygen', '--out', out, '--password-file', password])
  assert.equal(first.code, 0, first.stderr)
  assert.match(first.stdout.trim(), /^0x[0-9a-f]{40}$/)
  const keystore = JSON.parse(readFileSync(out, 'utf8'))
  assert.equal(keystore.version, 3)
  assert.equal(`0x${keystore.address}`, first.stdout.trim())
  const again = apiary(['keygen', '--out', out, '--password-file', password])
  assert.equal(again.code, 2)
  assert.match(again.stderr, /never overwritten/)
})

test('apiary coordinator and agent refuse bad options with exit 2 and a clear message', () => {
  const noSecret = apiary(['coordinator', '--rpc', 'http://127.0.0.1:9'])
  assert.equal(noSecret.code, 2)
  assert.match(noSecret.stderr, /master secret is required/)
  const noSource = apiary(['coordinator', '--master-secret', 'a secret of 16+ bytes'])
  assert.equal(noSource.code, 2)
  assert.match(noSource.stderr, /--rpc URL .* or --replay DIR/)
  const unreachable = apiary([
    'coordinator',
    '--rpc',
    'http://127.0.0.1:9',
    '--master-secret',
    'a secret of 16+ bytes',
  ])
  assert.match(unreachable.stderr, /cannot reach the chain at http:\/\/127\.0\.0\.1:9/)
  const badCoordinator = apiary(['agent', '--coordinator', 'not an address', '--agent-id', 'a'])
  assert.equal(badCoordinator.code, 2)
  assert.match(badCoordinator.stderr, /invalid --coordinator: host:port/)
  const noAgentId = apiary(['agent', '--coordinator', '127.0.0.1:1'])
  assert.equal(noAgentId.code, 2)
  assert.match(
    noAgentId.stderr,
    /^error: --agent-id is required \[APIARY_MISSING_OPTION\]\nhint: give --agent-id, set APIARY_AGENT_ID/,
  )
  const help = apiary(['up', '--help'])
  assert.equal(help.code, 0)
  assert.match(help.stdout, /--agents <n>/)
})
