import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { CarBufferReader } from '@ipld/car/buffer-reader'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { exporter } from 'ipfs-unixfs-exporter'
import { sha256 } from 'multiformats/hashes/sha2'

export interface KuboRpc {
  url: string
  /** Roots pinned by dag/import with pin-roots=true. */
  pins: Set<string>
  /** Answer the next dag/import with this HTTP status (Kubo's error body), or with this NDJSON body. */
  failNext(answer: { status: number } | { body: string }): void
  close(): Promise<void>
}

/**
 * An in-process endpoint of the Kubo HTTP RPC subset that pinning uses (https://docs.ipfs.tech/reference/kubo/rpc/):
 * `POST /api/v0/dag/import` (multipart `file`, `pin-roots`), `POST /api/v0/pin/ls?arg=CID` and
 * `POST /api/v0/cat?arg=CID/PATH`, answering as Kubo does (NDJSON `{"Root":{"Cid":{"/":…},"PinErrorMsg":""}}`,
 * errors as 500 `{"Message","Code","Type":"error"}`, 405 for GET). Blocks are checked against their CIDs.
 */
export async function startKuboRpc(): Promise<KuboRpc> {
  const blocks = new MemoryBlockstore()
  const pins = new Set<string>()
  let failure: { status: number } | { body: string } | undefined
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://kubo')
    const error = (status: number, message: string) => {
      response.writeHead(status, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ Message: message, Code: 0, Type: 'error' }))
    }
    if (request.method !== 'POST') return error(405, 'Method Not Allowed')
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks)
    try {
      if (url.pathname === '/api/v0/dag/import') {
        const fail = failure
        failure = undefined
        if (fail !== undefined && 'status' in fail) return error(fail.status, 'injected failure')
        const form = await new Response(body, {
          headers: { 'content-type': request.headers['content-type'] ?? '' },
        }).formData()
        const file = form.get('file')
        if (!(file instanceof Blob)) return error(400, 'file argument "path" is required')
        const car = CarBufferReader.fromBytes(new Uint8Array(await file.arrayBuffer()))
        for (const block of car.blocks()) {
          const digest = await sha256.digest(block.bytes)
          if (!Buffer.from(digest.bytes).equals(Buffer.from(block.cid.multihash.bytes)))
            return error(500, `block ${block.cid} does not match its hash`)
          await blocks.put(block.cid, block.bytes)
        }
        const pin = url.searchParams.get('pin-roots') !== 'false'
        if (pin) for (const root of car.getRoots()) pins.add(root.toString())
        response.writeHead(200, { 'content-type': 'application/json' })
        if (fail !== undefined && 'body' in fail) return response.end(fail.body)
        return response.end(
          car
            .getRoots()
            .map(
              (root) => `${JSON.stringify({ Root: { Cid: { '/': root.toString() }, PinErrorMsg: '' } })}\n`,
            )
            .join(''),
        )
      }
      const arg = url.searchParams.get('arg') ?? ''
      if (url.pathname === '/api/v0/pin/ls') {
        if (!pins.has(arg)) return error(500, `path '${arg}' is not pinned`)
        response.writeHead(200, { 'content-type': 'application/json' })
        return response.end(JSON.stringify({ Keys: { [arg]: { Type: 'recursive' } } }))
      }
      if (url.pathname === '/api/v0/cat') {
        const entry = await exporter(arg, blocks)
        if (entry.type !== 'file' && entry.type !== 'raw') return error(500, 'this dag node is not a file')
        response.writeHead(200, { 'content-type': 'text/plain' })
        for await (const chunk of entry.content()) response.write(chunk)
        return response.end()
      }
      return error(404, '404 page not found')
    } catch (cause) {
      return error(500, (cause as Error).message)
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    pins,
    failNext(answer) {
      failure = answer
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
