import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ApiaryError } from './errors.ts'

/**
 * Creates `dir` if needed and proves it writable by writing and removing a file: a program that keeps state
 * there refuses to start on a read-only or foreign directory instead of failing on its first write.
 */
export function ensureWritableDir(dir: string): void {
  const probe = join(dir, `.write-probe-${process.pid}`)
  try {
    mkdirSync(dir, { recursive: true })
    writeFileSync(probe, '')
    rmSync(probe)
  } catch (cause) {
    throw new ApiaryError('APIARY_STORE_UNWRITABLE', `the datadir ${dir} is not writable`, {
      cause,
      details: { reason: (cause as { code?: string }).code ?? 'unknown' },
      hints: ['give a --datadir this user can write to (and on a file system mounted read-write)'],
    })
  }
}
