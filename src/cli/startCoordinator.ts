import type { Http2Server } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { type Coordinator, type CoordinatorOptions, createCoordinator } from '../coordinator/index.ts'
import { ApiaryError } from '../internal/errors.ts'

export interface StartCoordinatorOptions extends CoordinatorOptions {
  host: string
  /** 0 picks a free port. */
  grpcPort: number
  /** 0 picks a free port; undefined serves no HTTP API. */
  httpPort?: number | undefined
}

export interface StartedCoordinator extends Omit<Coordinator, 'grpc' | 'http'> {
  grpcUrl: string
  httpUrl: string | undefined
}

/** Builds a coordinator (waiting for the leader lease) and listens on its ports: the one place that listens. */
export async function startCoordinator(options: StartCoordinatorOptions): Promise<StartedCoordinator> {
  const { grpc, http, ...coordinator } = await createCoordinator(options)
  try {
    await listen(grpc, options.grpcPort, options.host)
    const grpcUrl = `http://${options.host}:${(grpc.address() as AddressInfo).port}`
    const httpUrl =
      options.httpPort === undefined
        ? undefined
        : await http.listen({ port: options.httpPort, host: options.host })
    options.logger.info({ grpc: grpcUrl, http: httpUrl }, 'coordinator serving')
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
