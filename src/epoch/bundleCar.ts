import { CarWriter } from '@ipld/car/writer'
import * as dagPb from '@ipld/dag-pb'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import type { CID } from 'multiformats/cid'

export interface BundleCarReturnType {
  /** The directory's CIDv1 (base32), what `ipfs add -r --cid-version=1 <dir>` prints last. */
  cid: string
  /** A CARv1 with that CID as its only root and every block, in depth-first order from the root. */
  car: Uint8Array
}

/**
 * Encodes a directory of files as UnixFS the way Kubo's `ipfs add -r --cid-version=1` does (CIDv1, sha2-256,
 * raw leaves, 256 KiB fixed chunks, balanced DAG of at most 174 links, no mtime/mode) and exports it as a
 * CAR (docs/spec/bundle.md#content-addressing).
 */
export async function bundleCar(
  dir: string,
  files: Readonly<Record<string, Uint8Array>>,
): Promise<BundleCarReturnType> {
  const store = new MemoryBlockstore()
  let root: CID | undefined
  const names = Object.keys(files).sort()
  for await (const entry of importer(
    names.map((name) => ({ path: `${dir}/${name}`, content: files[name] as Uint8Array })),
    store,
    {
      cidVersion: 1,
      rawLeaves: true,
      reduceSingleLeafToSelf: true,
      wrapWithDirectory: false,
      chunker: fixedSize({ chunkSize: 262_144 }),
      layout: balanced({ maxChildrenPerNode: 174 }),
    },
  ))
    if (entry.path === dir) root = entry.cid
  if (root === undefined) throw new Error(`the importer did not yield the directory ${dir}`)

  const blockOf = async (cid: CID) => {
    const chunks: Uint8Array[] = []
    for await (const chunk of store.get(cid)) chunks.push(chunk)
    return Buffer.concat(chunks)
  }
  const { writer, out } = CarWriter.create([root])
  const collected = (async () => {
    const parts: Uint8Array[] = []
    for await (const part of out) parts.push(part)
    return Buffer.concat(parts)
  })()
  const seen = new Set<string>()
  const visit = async (cid: CID): Promise<void> => {
    const key = cid.toString()
    if (seen.has(key)) return
    seen.add(key)
    const bytes = await blockOf(cid)
    await writer.put({ cid, bytes })
    if (cid.code === dagPb.code) for (const link of dagPb.decode(bytes).Links) await visit(link.Hash)
  }
  await visit(root)
  await writer.close()
  return { cid: root.toString(), car: new Uint8Array(await collected) }
}
