import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { readBundleCar } from '../epoch/index.ts'
import { ApiaryError } from '../internal/errors.ts'

const MAX_BUNDLE_BYTES = 2 ** 31

/**
 * Reads an epoch bundle from the command line: a directory (every regular file in it, so that extra files
 * are reported by verification) or a CAR file (its bytes).
 */
export function readBundlePath(
  path: string,
): { files: Record<string, Uint8Array>; car?: undefined } | { car: Uint8Array; files?: undefined } {
  let stat: ReturnType<typeof statSync>
  try {
    stat = statSync(path)
  } catch (cause) {
    throw new ApiaryError('APIARY_BUNDLE_UNREADABLE', `cannot read ${path}`, { cause, usage: true })
  }
  const sized = (file: string, size: number) => {
    if (size > MAX_BUNDLE_BYTES)
      throw new ApiaryError('APIARY_BUNDLE_TOO_LARGE', `${file} is larger than 2 GiB`, { usage: true })
    return readFileSync(file)
  }
  if (!stat.isDirectory()) return { car: sized(path, stat.size) }
  const files: Record<string, Uint8Array> = {}
  for (const entry of readdirSync(path, { withFileTypes: true }))
    if (entry.isFile()) {
      const file = join(path, entry.name)
      files[entry.name] = sized(file, statSync(file).size)
    }
  return { files }
}

/** The files of a bundle directory or CAR (the CAR's blocks checked against their CIDs). */
export async function readBundleFiles(path: string): Promise<Record<string, Uint8Array>> {
  const read = readBundlePath(path)
  return read.car === undefined ? read.files : (await readBundleCar(read.car)).files
}
