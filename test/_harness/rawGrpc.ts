import { readFileSync } from 'node:fs'
import { type ClientHttp2Session, connect } from 'node:http2'

export interface RawResponse {
  grpcStatus: number | undefined
  grpcMessage: string
  ms: number
}

/**
 * One gRPC call made by hand, as a hostile client would: any headers, a body that is either bytes or a
 * producer writing `totalBytes` in chunks (sent only as fast as the server's flow control lets it). Resolves
 * with the grpc-status (from trailers or a trailers-only response) once the server has answered, even if it
 * never read the body.
 */
export function rawGrpcCall(
  session: ClientHttp2Session,
  method: string,
  headers: Record<string, string>,
  body: Buffer | { chunk: Buffer; totalBytes: number },
): Promise<RawResponse> {
  const started = performance.now()
  return new Promise((resolve) => {
    const stream = session.request({
      ':method': 'POST',
      ':path': `/apiary.v1.SwarmService/${method}`,
      'content-type': 'application/grpc+proto',
      te: 'trailers',
      ...headers,
    })
    let grpcStatus: number | undefined
    let grpcMessage = ''
    const read = (h: Record<string, unknown>) => {
      if (h['grpc-status'] !== undefined) {
        grpcStatus = Number(h['grpc-status'])
        grpcMessage = decodeURIComponent(String(h['grpc-message'] ?? ''))
      }
    }
    let done = false
    const finish = () => {
      if (done) return
      done = true
      if (!stream.destroyed) stream.close()
      resolve({ grpcStatus, grpcMessage, ms: performance.now() - started })
    }
    stream.on('response', (h) => {
      read(h)
      if (grpcStatus !== undefined) finish()
    })
    stream.on('trailers', (h) => {
      read(h)
      finish()
    })
    stream.on('data', () => {})
    stream.on('close', finish)
    stream.on('error', () => {})
    if (Buffer.isBuffer(body)) {
      stream.end(body)
      return
    }
    let sent = 0
    const pump = () => {
      while (sent < body.totalBytes && !stream.destroyed && !done) {
        sent += body.chunk.length
        if (!stream.write(body.chunk)) return stream.once('drain', pump)
      }
      if (!stream.destroyed && !done) stream.end()
    }
    pump()
  })
}

/** A gRPC length-prefixed message: flag (1 = compressed), big-endian length, payload. */
export function grpcFrame(payload: Buffer, { compressed = false, length = payload.length } = {}) {
  const head = Buffer.alloc(5)
  head[0] = compressed ? 1 : 0
  head.writeUInt32BE(length, 1)
  return Buffer.concat([head, payload])
}

export function openSession(url: string): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = connect(url)
    session.once('connect', () => resolve(session))
    session.once('error', reject)
  })
}

/** Resident set size of a process, in bytes (Linux). */
export function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'))
  return Number(line?.split(/\s+/)[1] ?? 0) * 1024
}
