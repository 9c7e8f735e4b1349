import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { BUNDLE_FILES, bundleCar } from '../../epoch/index.ts'
import { ApiaryError } from '../../internal/errors.ts'
import type { Store } from '../store/index.ts'

/**
 * Where an epoch's CAR is on this replica: the file its sealer wrote in `dir`, or — on a replica that did not
 * seal the epoch — the file written there once, made from the bundle's files stored with the seal (a CAR is
 * determined by its files) after checking that its CID is the seal's. Later calls find the file.
 */
export async function sealedCarPath(
  store: Store,
  dir: string,
  seal: { epoch: number; dir: string; cid: string },
): Promise<string> {
  const path = join(dir, `${seal.dir}.car`)
  if (existsSync(path)) return path
  const { cid, car } = await bundleCar(seal.dir, await store.seals.files(seal.epoch, BUNDLE_FILES))
  if (cid !== seal.cid)
    throw new ApiaryError(
      'APIARY_BUNDLE_DAMAGED',
      `the files stored for epoch ${seal.epoch} are not the bundle it sealed`,
    )
  mkdirSync(dir, { recursive: true })
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, car, { flush: true })
  renameSync(tmp, path)
  return path
}
