import {
  constants,
  createServer,
  type Http2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type ServerHttp2Session,
} from 'node:http2'
import type { Socket } from 'node:net'
import { Code } from '@connectrpc/connect'
import type { Logger } from '../../internal/logger.ts'
import { authenticateAgent } from '../identity/index.ts'
import { buildSwarmRpc, type SwarmRpcDependencies } from './buildSwarmRpc.ts'

/** Bounds of the gRPC edge; every one holds before a request is authenticated. docs/security.md */
export interface GrpcLimits {
  /** Largest request message (protobuf bytes); larger ones get RESOURCE_EXHAUSTED before they are read. */
  readMaxBytes: number
  /** Open HTTP/2 connections at once, from everyone. */
  maxConnections: number
  /** Open HTTP/2 connections at once from one IP address. */
  maxConnectionsPerIp: number
  /** Concurrent streams on one connection (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS). */
  maxStreamsPerConnection: number
  /** A connection that has not sent its HTTP/2 preface and SETTINGS by then is closed. */
  handshakeTimeoutMs: number
  /** A connection that has not made one authenticated call by then is closed. */
  authTimeoutMs: number
  /** A connection with no frame in either direction for this long is closed (agents heartbeat every 5 s). */
  idleTimeoutMs: number
}

export const DEFAULT_GRPC_LIMITS: GrpcLimits = {
  readMaxBytes: 8 * 1024 * 1024,
  maxConnections: 2048,
  maxConnectionsPerIp: 64,
  maxStreamsPerConnection: 64,
  handshakeTimeoutMs: 5_000,
  authTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
}

export interface GrpcServer {
  server: Http2Server
  /** Serves calls with the swarm's handler from now on (a standby that became the leader). */
  serve(rpc: Omit<SwarmRpcDependencies, 'logger' | 'masterSecret' | 'revoked'>): void
  /** Closes every session: gracefully, then by force after `graceMs`. */
  close(graceMs?: number): Promise<void>
}

/**
 * The coordinator's gRPC server: the Connect handler of `buildSwarmRpc` behind a gate that checks the
 * credential from the headers before a byte of the body is read (a refused call costs a header parse and
 * one HMAC), refuses compressed requests (agents never compress; a gzip bomb is never inflated), caps
 * message size, connections (total and per IP), streams per connection, and closes connections that do
 * not handshake, never authenticate, or go idle.
 */
export function createGrpcServer(
  deps: Pick<SwarmRpcDependencies, 'logger' | 'masterSecret' | 'revoked'> & {
    limits?: Partial<GrpcLimits> | undefined
    /** The swarm's handler's dependencies: this replica serves calls itself. */
    rpc?: Omit<SwarmRpcDependencies, 'logger' | 'masterSecret' | 'revoked'> | undefined
    /** Without `rpc`: where authenticated calls go (a standby relays them to the leader). */
    relay?: ((req: Http2ServerRequest, res: Http2ServerResponse) => void) | undefined
  },
): GrpcServer {
  const limits = { ...DEFAULT_GRPC_LIMITS, ...deps.limits }
  const logger: Logger = deps.logger
  const revoked = deps.revoked ?? new Set<string>()
  const local = (rpc: Omit<SwarmRpcDependencies, 'logger' | 'masterSecret' | 'revoked'>) =>
    buildSwarmRpc({
      ...rpc,
      logger,
      masterSecret: deps.masterSecret,
      revoked,
      readMaxBytes: limits.readMaxBytes,
    })
  let handler =
    deps.rpc !== undefined
      ? local(deps.rpc)
      : (deps.relay ??
        ((_req: Http2ServerRequest, res: Http2ServerResponse) =>
          refuse(res, Code.Unavailable, 'this replica does not serve agents yet')))
  const authenticated = new WeakSet<ServerHttp2Session>()

  const refuse = (
    res: Http2ServerResponse,
    code: Code,
    message: string,
    extra: Record<string, string> = {},
  ) => {
    // A trailers-only gRPC response; then the stream is reset so the client stops sending its body.
    res.writeHead(200, {
      'content-type': 'application/grpc+proto',
      'grpc-status': String(code),
      'grpc-message': encodeURIComponent(message),
      ...extra,
    })
    res.end()
    res.stream.close(constants.NGHTTP2_NO_ERROR)
  }

  const gate = (req: Http2ServerRequest, res: Http2ServerResponse) => {
    const result = authenticateAgent({
      masterSecret: deps.masterSecret,
      revoked,
      agentId: single(req.headers['x-apiary-agent-id']),
      authorization: single(req.headers.authorization),
    })
    if (!result.ok)
      return refuse(
        res,
        result.code === 'REVOKED' ? Code.PermissionDenied : Code.Unauthenticated,
        result.message,
      )
    const encoding = req.headers['grpc-encoding']
    if (encoding !== undefined && encoding !== 'identity')
      return refuse(
        res,
        Code.Unimplemented,
        `grpc-encoding ${String(encoding).slice(0, 16)} is not accepted`,
        {
          'grpc-accept-encoding': 'identity',
        },
      )
    const length = Number(req.headers['content-length'] ?? 0)
    if (length > limits.readMaxBytes + 5)
      return refuse(res, Code.ResourceExhausted, `the request is larger than ${limits.readMaxBytes} bytes`)
    authenticated.add(req.stream.session as ServerHttp2Session)
    // Connect reports a body that is not protobuf as INTERNAL; it is the caller's fault.
    const addTrailers = res.addTrailers.bind(res)
    res.addTrailers = (trailers) => {
      const message = String(trailers['grpc-message'] ?? '')
      if (trailers['grpc-status'] === String(Code.Internal) && message.startsWith('parse%20binary'))
        trailers['grpc-status'] = String(Code.InvalidArgument)
      addTrailers(trailers)
    }
    handler(req, res)
  }

  const server = createServer(
    {
      settings: { maxConcurrentStreams: limits.maxStreamsPerConnection, maxHeaderListSize: 16 * 1024 },
      maxSessionMemory: 16,
      maxSessionInvalidFrames: 100,
      maxSessionRejectedStreams: 100,
    },
    gate,
  )
  server.maxConnections = limits.maxConnections

  const perIp = new Map<string, number>()
  const sessions = new Set<ServerHttp2Session>()
  // The TCP sockets themselves: a destroyed session can leave its socket open while the peer still sends.
  const sockets = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  server.on('session', (session: ServerHttp2Session) => {
    session.on('error', () => {})
    const ip = session.socket.remoteAddress ?? ''
    const open = (perIp.get(ip) ?? 0) + 1
    if (open > limits.maxConnectionsPerIp) {
      logger.debug({ ip }, 'gRPC connection refused: too many from this address')
      session.destroy()
      return
    }
    perIp.set(ip, open)
    sessions.add(session)
    const handshake = setTimeout(() => session.destroy(), limits.handshakeTimeoutMs)
    const auth = setTimeout(() => {
      if (!authenticated.has(session)) session.destroy()
    }, limits.authTimeoutMs)
    session.once('remoteSettings', () => clearTimeout(handshake))
    session.setTimeout(limits.idleTimeoutMs, () => {
      session.close()
      setTimeout(() => session.destroy(), 1000).unref()
    })
    session.once('close', () => {
      clearTimeout(handshake)
      clearTimeout(auth)
      sessions.delete(session)
      const left = (perIp.get(ip) ?? 1) - 1
      if (left <= 0) perIp.delete(ip)
      else perIp.set(ip, left)
    })
  })

  return {
    server,
    serve(rpc) {
      handler = local(rpc)
    },
    close: (graceMs = 2000) =>
      new Promise<void>((done) => {
        server.close(() => done())
        for (const session of sessions) session.close()
        setTimeout(() => {
          for (const session of sessions) session.destroy()
          for (const socket of sockets) socket.destroy()
        }, graceMs).unref()
      }),
  }
}

const single = (value: string | string[] | undefined) => (Array.isArray(value) ? undefined : value)
