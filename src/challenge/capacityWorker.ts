import { parentPort, workerData } from 'node:worker_threads'
import type { Hex } from 'viem'
import { createEngineCrypto } from '../validation/index.ts'
import { solveCapacityTask } from './capacityTask.ts'

/** Worker thread of solveCapacityTaskInWorker: solves one task and posts its answer and the time it took. */
const { taskSeed, iterations } = workerData as { taskSeed: Hex; iterations: number }
const crypto = createEngineCrypto()
const started = performance.now()
const answer = solveCapacityTask(crypto.keccak256, { taskSeed, iterations })
parentPort?.postMessage({ answer, ms: performance.now() - started })
