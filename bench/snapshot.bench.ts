import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { zstdDecompressSync } from 'node:zlib'
import { machine } from './_lib/machine.ts'

type Phase = { ms: number; rootMs?: number; maxRssMiB: number; root?: string }

/**
 * L4 snapshots (issue 22): a synthetic state of `accounts` EOAs and `contracts` contracts with `slots` slots
 * each is written, then verified (streaming root); the baseline is @ethereumjs/mpt building the same root
 * from the whole state in memory. Each phase runs in its own process, so its peak RSS is its own.
 */
export async function benchSnapshot({ accounts = 100_000, contracts = 1000, slots = 50 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'apiary-bench-snapshot-'))
  const file = join(dir, 'state.snap')
  const run = async (phase: string): Promise<Phase> => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        join(import.meta.dirname, '_lib', 'snapshotPhase.ts'),
        phase,
        file,
        ...[accounts, contracts, slots].map(String),
      ],
      { maxBuffer: 1 << 20 },
    )
    return JSON.parse(stdout) as Phase
  }
  const write = await run('write')
  const compressed = statSync(file).size
  const raw = zstdDecompressSync(readFileSync(file)).length
  const verify = await run('verify')
  const load = await run('load')
  const reopen = await run('reopen')
  const mpt = await run('mpt')
  if (load.root !== verify.root || reopen.root !== verify.root)
    throw new Error('the store is not at the root')
  rmSync(dir, { recursive: true, force: true })
  if (verify.root !== mpt.root) throw new Error(`roots differ: ${verify.root} vs ${mpt.root}`)
  const mb = raw / 1e6
  const rows = [
    {
      case: `${accounts} EOAs + ${contracts} contracts × ${slots} slots`,
      'raw MB': mb.toFixed(1),
      'file MB': (compressed / 1e6).toFixed(1),
      'write s': (write.ms / 1000).toFixed(2),
      'write MB/s': (mb / (write.ms / 1000)).toFixed(1),
      'verify s': (verify.ms / 1000).toFixed(2),
      'verify MB/s': (mb / (verify.ms / 1000)).toFixed(1),
      'verify peak MiB': verify.maxRssMiB.toFixed(0),
      'load into the L4 store s': (load.ms / 1000).toFixed(2),
      'load MB/s': (mb / (load.ms / 1000)).toFixed(1),
      'load peak MiB': load.maxRssMiB.toFixed(0),
      'restart ms': reopen.ms.toFixed(1),
      'streaming root s': ((write.rootMs ?? 0) / 1000).toFixed(2),
      '@ethereumjs/mpt root s (baseline)': (mpt.ms / 1000).toFixed(2),
      'mpt peak MiB': mpt.maxRssMiB.toFixed(0),
    },
  ]
  return { unit: 'seconds, MB, MiB (peak RSS of the phase’s process)', machine: machine(), rows }
}
