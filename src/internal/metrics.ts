import { Counter, Gauge, Histogram, Registry } from 'prom-client'

/** Seconds buckets from 1 ms to 30 s: RPC calls and task round trips. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

type Read = () => number | undefined | Iterable<[Record<string, string>, number]>

/**
 * The one metrics module: a Prometheus registry per process, names `apiary_<area>_<what>_<unit>`. Values
 * that the program already keeps (counters in the store, the follower's head) are read at scrape time;
 * latencies are histograms observed where they happen.
 */
export interface Metrics {
  registry: Registry
  /** A JSON-RPC call to the chain's node, by method and outcome (ok, error, unreachable). */
  rpcDuration: Histogram<'method' | 'outcome'>
  /** From a task's dispatch to its result's acknowledgement, by level. */
  dispatchAckDuration: Histogram<'level'>
  /** An agent's run of one task, by level. */
  taskDuration: Histogram<'level'>
  /** A gauge read at scrape time: one value, or labelled values. */
  gauge(name: string, help: string, read: Read, labelNames?: readonly string[]): void
  /** A counter read at scrape time (a total the program keeps). */
  counter(name: string, help: string, read: () => number): void
  text(): Promise<string>
}

export function createMetrics(): Metrics {
  const registry = new Registry()
  const set = (metric: Gauge | Counter, read: Read) => {
    metric.reset()
    const value = read()
    if (typeof value === 'number') (metric as Gauge).set(value)
    else if (value !== undefined) for (const [labels, v] of value) (metric as Gauge).set(labels, v)
  }
  return {
    registry,
    rpcDuration: new Histogram({
      name: 'apiary_rpc_request_duration_seconds',
      help: 'JSON-RPC calls to the chain node, by method and outcome',
      labelNames: ['method', 'outcome'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    dispatchAckDuration: new Histogram({
      name: 'apiary_dispatch_ack_duration_seconds',
      help: "From a task's dispatch to the acknowledgement of its result, by level",
      labelNames: ['level'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    taskDuration: new Histogram({
      name: 'apiary_agent_task_duration_seconds',
      help: 'Time an agent spent on one task, by level',
      labelNames: ['level'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    gauge(name, help, read, labelNames = []) {
      new Gauge({
        name,
        help,
        labelNames,
        registers: [registry],
        collect() {
          set(this, read)
        },
      })
    },
    counter(name, help, read) {
      new Counter({
        name,
        help,
        registers: [registry],
        collect() {
          this.reset()
          this.inc(read())
        },
      })
    },
    text: () => registry.metrics(),
  }
}
