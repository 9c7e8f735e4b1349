import type { AddressInfo } from 'node:net'
import { parentPort, workerData } from 'node:worker_threads'
import { createGrpcRelay } from '../../src/coordinator/replica/index.ts'
import { createGrpcServer } from '../../src/coordinator/rpc/index.ts'
import { createLogger } from '../../src/internal/logger.ts'

/**
 * A standby replica's gRPC edge on its own thread (as it would be its own process): it authenticates each
 * call and relays it to the leader at `leader`, exactly as a standby coordinator does.
 */
const { leader, secret } = workerData as { leader: string; secret: string }
const logger = createLogger({ level: 'silent' })
const relay = createGrpcRelay({ leader: async () => leader, logger })
const grpc = createGrpcServer({ logger, masterSecret: secret, relay: relay.handle })
grpc.server.listen(0, '127.0.0.1', () =>
  parentPort?.postMessage(`http://127.0.0.1:${(grpc.server.address() as AddressInfo).port}`),
)
parentPort?.on('message', async (message) => {
  if (message !== 'stop') return
  relay.close()
  await grpc.close(0)
  parentPort?.postMessage('stopped')
})
