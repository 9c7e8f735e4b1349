import { Worker } from 'node:worker_threads'
import type { Hex } from 'viem'
import { ApiaryError } from '../internal/errors.ts'

const script = new URL(`./capacityWorker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url)

/**
 * Solves a capacity task (docs/spec/challenge.md#tasks) on a worker thread of its own, so the caller's event
 * loop (an agent's task stream, a coordinator's API) stays free for the seconds it takes. `signal` stops it.
 */
export function solveCapacityTaskInWorker(
  { taskSeed, iterations }: { taskSeed: Hex; iterations: number },
  signal?: AbortSignal,
): Promise<{ answer: Hex; ms: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData: { taskSeed, iterations } })
    const abort = () => {
      void worker.terminate()
      reject(new ApiaryError('APIARY_ABORTED', 'the capacity task was stopped'))
    }
    if (signal?.aborted === true) return abort()
    signal?.addEventListener('abort', abort, { once: true })
    worker.once('message', (result: { answer: Hex; ms: number }) => {
      signal?.removeEventListener('abort', abort)
      resolve(result)
    })
    worker.once('error', (cause) => {
      signal?.removeEventListener('abort', abort)
      reject(new ApiaryError('APIARY_WORKER_FAILED', 'the capacity task worker failed', { cause }))
    })
  })
}
