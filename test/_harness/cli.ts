import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Hex } from 'viem'
import { generatePrivateKey } from 'viem/accounts'
import { writeKeystore } from '../../src/chain/index.ts'
import { REPO_ROOT } from './fixtures.ts'

const CLI = join(REPO_ROOT, 'src/cli/apiary.ts')
/** The environment of a child `apiary`: none of the caller's APIARY_* settings leak in. */
const env = () =>
  Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('APIARY_')))

/**
 * Long-running children (coordinators, replicas) die with the test process: a test that times out or throws
 * before its cleanup must not leave a coordinator running into the next tests (one did, for 30 minutes).
 */
const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

/** Runs `apiary ARGS` to completion without blocking the event loop (an in-process devnet keeps serving). */
export function runApiary(args: string[], timeoutMs = 120_000) {
  return collect(
    spawn(process.execPath, [CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: env(),
      timeout: timeoutMs,
    }),
  )
}

/**
 * Runs a command line as a person pastes it: through bash, from a directory outside the repository, without
 * the caller's APIARY_* settings.
 */
export function runShell(line: string, timeoutMs = 120_000) {
  return collect(
    spawn('bash', ['-c', line], {
      cwd: tmpdir(),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: env(),
      timeout: timeoutMs,
    }),
  )
}

/** A child's exit code and everything it printed, once it has closed. */
function collect(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })))
}

/**
 * Starts a long-running `apiary ARGS` and resolves once its stdout contains `ready`; `onLine` sees every
 * line of stderr (logs) as it arrives.
 */
export function startApiary(
  args: string[],
  { ready, onLine }: { ready: string; onLine?: (line: string, child: ChildProcess) => void },
): Promise<ChildProcess & { output: () => string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: env() })
  running.add(child)
  child.once('exit', () => running.delete(child))
  let output = ''
  let partial = ''
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes(ready)) resolve(Object.assign(child, { output: () => output }))
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      partial += chunk.toString()
      const lines = partial.split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) onLine?.(line, child)
    })
    child.once('exit', (code, signal) => reject(new Error(`apiary exited (${code ?? signal}): ${output}`)))
  })
}

export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill(signal)
  await exited
}

/**
 * An operator's set-up with only the CLI, as docs/rewards.md and docs/epochs.md describe it: a hot wallet in
 * a keystore (DIR/hot.json, DIR/hot.pass), `apiary deploy <contract>` owned by it from a dev account's key
 * (DIR/ops.key), and `apiary fund` of 50 ETH. Returns the hot wallet, the contract and the coordinator flags
 * that unlock the hot wallet.
 */
export async function deployWithHotWallet(
  devnet: { url: string; accounts: readonly { privateKey: string }[] },
  dir: string,
  contract: 'reward-pool' | 'epoch-registry',
): Promise<{ hot: Hex; contract: Hex; ops: string; hotWalletFlags: string[] }> {
  writeFileSync(join(dir, 'hot.pass'), 'hot wallet password\n')
  const { address: hot } = await writeKeystore({
    path: join(dir, 'hot.json'),
    password: 'hot wallet password',
    privateKey: Buffer.from(generatePrivateKey().slice(2), 'hex'),
  })
  const ops = join(dir, 'ops.key')
  writeFileSync(ops, `${devnet.accounts[6]?.privateKey}\n`, { mode: 0o600 })
  const deployed = await runApiary([
    'deploy',
    contract,
    '--rpc',
    devnet.url,
    '--private-key-file',
    ops,
    '--coordinator',
    hot,
  ])
  assert.equal(deployed.code, 0, deployed.stderr)
  const address = deployed.stdout.trim() as Hex
  assert.match(address, /^0x[0-9a-f]{40}$/)
  const funded = await runApiary([
    'fund',
    '--rpc',
    devnet.url,
    '--private-key-file',
    ops,
    '--amount',
    '50ether',
    hot,
  ])
  assert.equal(funded.code, 0, funded.stderr)
  return {
    hot: hot as Hex,
    contract: address,
    ops,
    hotWalletFlags: [
      '--hot-wallet-keystore',
      join(dir, 'hot.json'),
      '--hot-wallet-password-file',
      join(dir, 'hot.pass'),
    ],
  }
}
