import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect,
  constants,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type IncomingHttpHeaders,
} from 'node:http2'
import { Code } from '@connectrpc/connect'
import type { Logger } from '../../internal/logger.ts'

export interface GrpcRelayDependencies {
  /** The leader's gRPC URL, or undefined when no replica leads now. */
  leader: () => Promise<string | undefined>
  logger: Logger
  /** Streams per upstream connection; a new one opens beyond (the leader's per-connection limit is 64). */
  streamsPerConnection?: number
  /** Upstream connections at most (the leader admits 64 per address). */
  maxConnections?: number
}

export interface GrpcRelay {
  /** Relays one authenticated call to the leader, as it is: headers, body, answer and trailers. */
  handle(req: Http2ServerRequest, res: Http2ServerResponse): void
  close(): void
}

/** Headers of one hop, never relayed (RFC 9113 §8.2.2), and the pseudo-headers set for the upstream call. */
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te'])
const relayed = (headers: IncomingHttpHeaders) =>
  Object.fromEntries(
    Object.entries(headers).filter(
      ([name, value]) => !name.startsWith(':') && !HOP.has(name) && value !== undefined,
    ),
  )

/**
 * A standby replica serves agents by relaying their calls to the leader over a few multiplexed HTTP/2
 * connections: the agent's credential was checked at this edge already and is checked again by the leader
 * (so a relay grants nothing); bodies stream both ways with backpressure, nothing is buffered here. With
 * no leader, or a leader that does not answer, a call gets UNAVAILABLE and the agent retries or moves to
 * its next coordinator.
 */
export function createGrpcRelay({
  leader,
  logger,
  streamsPerConnection = 48,
  maxConnections = 32,
}: GrpcRelayDependencies): GrpcRelay {
  const pool: { url: string; session: ClientHttp2Session; active: number }[] = []
  const drop = (session: ClientHttp2Session) => {
    const at = pool.findIndex((p) => p.session === session)
    if (at >= 0) pool.splice(at, 1)
  }
  const connection = (url: string) => {
    for (const p of pool) if (p.url !== url) p.session.close()
    const open = pool.find((p) => p.url === url && p.active < streamsPerConnection && !p.session.closed)
    if (open !== undefined) return open
    if (pool.length >= maxConnections) return undefined
    const session = connect(url)
    const entry = { url, session, active: 0 }
    session.on('error', (error) =>
      logger.debug({ err: error, leader: url }, 'relay connection to the leader failed'),
    )
    session.once('close', () => drop(session))
    session.setTimeout(60_000, () => {
      if (entry.active === 0) session.close()
    })
    pool.push(entry)
    return entry
  }
  /**
   * Ends the call with UNAVAILABLE: trailers-only before any answer, else as its trailers. Streams are
   * only ever ended, never closed or destroyed here (destroying HTTP/2 streams mid-flight is where Node's
   * http2 has had its crashes, nodejs/node#52952).
   */
  const unavailable = (res: Http2ServerResponse, message: string) => {
    if (res.writableEnded || res.stream.destroyed) return
    const status = { 'grpc-status': String(Code.Unavailable), 'grpc-message': encodeURIComponent(message) }
    if (!res.headersSent) res.writeHead(200, { 'content-type': 'application/grpc+proto', ...status })
    else res.addTrailers(status)
    res.end()
  }

  return {
    handle(req, res) {
      leader().then(
        (url) => {
          if (res.stream.destroyed) return
          if (url === undefined) return unavailable(res, 'no replica leads now; retry shortly')
          const entry = connection(url)
          if (entry === undefined) return unavailable(res, 'this replica relays no more calls now')
          let up: ClientHttp2Stream
          try {
            up = entry.session.request({
              ...relayed(req.headers),
              ':method': req.method,
              ':path': req.url,
            })
          } catch (error) {
            logger.debug({ err: error }, 'cannot open a relayed call')
            return unavailable(res, 'the leader does not answer')
          }
          entry.active++
          let done = false
          const finish = () => {
            if (done) return
            done = true
            entry.active--
          }
          up.on('response', (headers) => {
            if (res.stream.destroyed) return
            res.writeHead(Number(headers[':status'] ?? 200), relayed(headers))
            up.pipe(res)
          })
          up.on('trailers', (trailers) => {
            if (!res.writableEnded) res.addTrailers(relayed(trailers))
          })
          up.on('error', () => {
            finish()
            up.unpipe(res)
            unavailable(res, 'the leader stopped answering')
          })
          up.on('close', () => {
            finish()
            // Closed without an answer's end (the leader went away): the agent learns it now.
            if (!res.writableEnded) unavailable(res, 'the leader stopped answering')
          })
          // The agent went away: the call upstream is cancelled.
          res.on('close', () => {
            if (!up.closed && !up.destroyed) up.close(constants.NGHTTP2_CANCEL)
          })
          req.pipe(up)
        },
        () => unavailable(res, 'cannot read who leads'),
      )
    },
    close() {
      for (const p of [...pool]) p.session.close()
    },
  }
}
