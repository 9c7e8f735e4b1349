import { hash } from 'node:crypto'
import { CarBufferReader } from '@ipld/car/buffer-reader'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { exporter } from 'ipfs-unixfs-exporter'
import { ApiaryError } from '../internal/errors.ts'

export interface ReadBundleCarReturnType {
  /** The CAR's root CID. */
  cid: string
  /** The root directory's name as the bundle names it (not stored in UnixFS: taken from SUMMARY.json). */
  files: Record<string, Uint8Array>
  blocks: number
}

const SHA2_256 = 0x12
const MAX_FILE_BYTES = 1 << 30

/**
 * Reads a bundle CAR: exactly one root, every block's bytes hash to its CID (sha2-256), and the root is a
 * UnixFS directory of plain files, returned by name. Throws an ApiaryError naming what is wrong.
 */
export async function readBundleCar(bytes: Uint8Array): Promise<ReadBundleCarReturnType> {
  let reader: CarBufferReader
  try {
    reader = CarBufferReader.fromBytes(bytes)
  } catch (cause) {
    throw new ApiaryError('APIARY_CAR_UNREADABLE', `not a CAR file: ${(cause as Error).message}`, { cause })
  }
  const roots = reader.getRoots()
  if (roots.length !== 1 || roots[0] === undefined)
    throw new ApiaryError('APIARY_CAR_ROOTS', `a bundle CAR has one root, this one has ${roots.length}`)
  const root = roots[0]
  const store = new MemoryBlockstore()
  let blocks = 0
  for (const block of reader.blocks()) {
    if (block.cid.multihash.code !== SHA2_256)
      throw new ApiaryError(
        'APIARY_CAR_BLOCK_HASH_MISMATCH',
        `block ${block.cid} is not hashed with sha2-256`,
      )
    const digest = hash('sha256', block.bytes, 'buffer')
    if (!Buffer.from(block.cid.multihash.digest).equals(digest))
      throw new ApiaryError('APIARY_CAR_BLOCK_HASH_MISMATCH', `block ${block.cid} does not hash to its CID`, {
        details: { cid: block.cid.toString() },
      })
    await store.put(block.cid, block.bytes)
    blocks++
  }
  const files: Record<string, Uint8Array> = {}
  try {
    const dir = await exporter(root, store)
    if (dir.type !== 'directory')
      throw new ApiaryError('APIARY_CAR_NOT_A_BUNDLE', `the root ${root} is a ${dir.type}, not a directory`)
    for await (const entry of dir.entries()) {
      const file = await exporter(entry.cid, store)
      if (file.type !== 'file' && file.type !== 'raw')
        throw new ApiaryError('APIARY_CAR_NOT_A_BUNDLE', `${entry.name} is a ${file.type}, not a file`)
      if (file.size > MAX_FILE_BYTES)
        throw new ApiaryError('APIARY_CAR_NOT_A_BUNDLE', `${entry.name} is larger than 1 GiB`)
      const chunks: Uint8Array[] = []
      for await (const chunk of file.content()) chunks.push(chunk)
      files[entry.name] = new Uint8Array(Buffer.concat(chunks))
    }
  } catch (cause) {
    if (cause instanceof ApiaryError) throw cause
    throw new ApiaryError(
      'APIARY_CAR_NOT_A_BUNDLE',
      `the CAR does not hold a readable UnixFS directory: ${(cause as Error).message}`,
      { cause },
    )
  }
  return { cid: root.toString(), files, blocks }
}
