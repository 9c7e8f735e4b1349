import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { AgentStatus } from '../agent/index.ts'
import { ApiaryError } from '../internal/errors.ts'
import type { Metrics } from '../internal/metrics.ts'

/** An agent's metrics, read from its status at scrape time (task durations are observed as they run). */
export function registerAgentMetrics(metrics: Metrics, status: () => AgentStatus): void {
  const sum = (pick: (c: AgentStatus['coordinators'][number]) => number) =>
    status().coordinators.reduce((n, c) => n + pick(c), 0)
  metrics.counter('apiary_agent_tasks_completed_total', 'Tasks the agent finished', () =>
    sum((c) => c.completed),
  )
  metrics.counter(
    'apiary_agent_results_accepted_total',
    'Results the coordinators acknowledged as accepted',
    () => sum((c) => c.accepted),
  )
  metrics.gauge('apiary_agent_coordinators_connected', 'Coordinators with an open task stream', () =>
    sum((c) => (c.connected ? 1 : 0)),
  )
  metrics.gauge(
    'apiary_agent_last_payout_wei',
    "The agent's latest settled payout, in wei (as a float)",
    () => {
      const payout = status().coordinators.find((c) => c.lastPayout !== undefined)?.lastPayout
      return payout === undefined ? undefined : Number(payout.amountWei)
    },
  )
  metrics.counter(
    'apiary_agent_messages_handled_total',
    'Mailbox messages the messenger handled',
    () => status().messenger?.handled ?? 0,
  )
}

/** Serves `GET /metrics` on 127.0.0.1:`port` (0: any free port); the only other answer is 404. */
export async function serveMetrics(
  metrics: Metrics,
  port: number,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url !== '/metrics') {
      response.writeHead(404).end()
      return
    }
    metrics.text().then(
      (text) =>
        response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text),
      () => response.writeHead(500).end(),
    )
  })
  server.requestTimeout = 10_000
  server.headersTimeout = 5_000
  server.maxConnections = 64
  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause) =>
      reject(
        new ApiaryError('APIARY_PORT_UNAVAILABLE', `cannot listen on 127.0.0.1:${port}`, {
          cause,
          usage: true,
        }),
      ),
    )
    server.listen(port, '127.0.0.1', resolve)
  })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections()
        server.close(() => done())
      }),
  }
}
