import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { REPO_ROOT } from './fixtures.ts'

const CLI = join(REPO_ROOT, 'src/cli/apiary.ts')
/** The environment of a child `apiary`: none of the caller's APIARY_* settings leak in. */
const env = () =>
  Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('APIARY_')))

/** Runs `apiary ARGS` to completion without blocking the event loop (an in-process devnet keeps serving). */
export function runApiary(
  args: string[],
  timeoutMs = 120_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: env(),
    timeout: timeoutMs,
  })
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
