/**
 * Explicit lifecycle: one AbortSignal for "we are stopping" and a stack of async closers that run in
 * reverse order of registration. Signal handling lives in the CLI only.
 */
export interface Shutdown {
  readonly signal: AbortSignal
  /** Registers a closer; closers run last-in first-out. */
  add(closer: () => void | Promise<void>): void
  /** Aborts the signal and runs every closer once; later calls return the same promise. */
  close(reason?: string): Promise<void>
}

export function createShutdown(): Shutdown {
  const controller = new AbortController()
  const closers: Array<() => void | Promise<void>> = []
  let closing: Promise<void> | undefined
  return {
    signal: controller.signal,
    add(closer) {
      closers.push(closer)
    },
    close(reason = 'shutdown') {
      closing ??= (async () => {
        controller.abort(reason)
        const errors: unknown[] = []
        for (const closer of closers.reverse()) {
          try {
            await closer()
          } catch (error) {
            errors.push(error)
          }
        }
        if (errors.length > 0) throw new AggregateError(errors, 'some closers failed')
      })()
      return closing
    },
  }
}
