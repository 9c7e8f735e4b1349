import { parentPort, workerData } from 'node:worker_threads'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { solveCapacityTask } from './solveCapacityTask.ts'

/** Worker thread of solveCapacityTaskInWorker: solves one task and posts its answer and the time it took. */
const { taskSeed, iterations } = workerData as { taskSeed: `0x${string}`; iterations: number }
const started = performance.now()
const answer = solveCapacityTask(keccak_256, { taskSeed, iterations })
parentPort?.postMessage({ answer, ms: performance.now() - started })
