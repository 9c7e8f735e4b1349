import type { Http2Server } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { hostname } from 'node:os'
import { type Coordinator, type CoordinatorOptions, createCoordinator } from '../coordinator/index.ts'
import { ApiaryError } from '../internal/errors.ts'

export interface StartCoordinatorOptions extends CoordinatorOptions {
  host: string
  /** 0 picks a free port. */
  grpcPort: number
  /** 0 picks a free port; undefined serves no HTTP API. */
  httpPort?: number | undefined
  /**
   * Where the other replicas reach this one's gRPC server once it leads (they relay agents' calls to it).
   * Default: http://HOST:PORT as it listens (this machine's host name when it listens on every address).
   */
  advertiseGrpc?: string | undefined
  /**
   * Called once it listens, before it leads (a standby serves from then on), with what stops it: a standby
   * stopped while it waits makes startCoordinator reject.
   */
  onServing?:
    | ((serving: { grpcUrl: string; httpUrl: string | undefined; close: () => Promise<void> }) => void)
    | undefined
}

export interface StartedCoordinator extends Omit<Coordinator, 'grpc' | 'http' | 'lead'> {
  grpcUrl: string
  httpUrl: string | undefined
}

/**
 * Builds a coordinator replica, listens on its ports (the one place that listens) — from then on it serves,
 * as a standby while another replica leads — and resolves once it leads.
 */
export async function startCoordinator(options: StartCoordinatorOptions): Promise<StartedCoordinator> {
  const { grpc, http, lead, ...coordinator } = await createCoordinator(options)
  try {
    await listen(grpc, options.grpcPort, options.host)
    const port = (grpc.address() as AddressInfo).port
    const grpcUrl = `http://${options.host}:${port}`
    const httpUrl =
      options.httpPort === undefined
        ? undefined
        : await http.listen({ port: options.httpPort, host: options.host })
    options.logger.info({ grpc: grpcUrl, http: httpUrl }, 'replica serving (a standby until it leads)')
    options.onServing?.({ grpcUrl, httpUrl, close: coordinator.close })
    const everywhere = options.host === '0.0.0.0' || options.host === '::'
    await lead(options.advertiseGrpc ?? (everywhere ? `http://${hostname()}:${port}` : grpcUrl))
    return { ...coordinator, grpcUrl, httpUrl }
  } catch (error) {
    await coordinator.close()
    throw error
  }
}

function listen(server: Http2Server, port: number, host: string) {
  return new Promise<void>((resolve, reject) => {
    server.once('error', (cause) =>
      reject(
        new ApiaryError('APIARY_PORT_UNAVAILABLE', `cannot listen on ${host}:${port}`, {
          cause,
          usage: true,
        }),
      ),
    )
    server.listen(port, host, () => resolve())
  })
}
