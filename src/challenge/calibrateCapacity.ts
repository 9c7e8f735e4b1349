import { cpus } from 'node:os'
import { type Hex, keccak256, toHex } from 'viem'
import { ITERATION_GAS, type MachineClass } from './capacityTask.ts'
import { solveCapacityTaskInWorker } from './solveCapacityTaskInWorker.ts'

export interface Calibration extends MachineClass {
  /** Task iterations per second on one core (gasPerSecond / ITERATION_GAS). */
  iterationsPerSecond: number
  /** Cores of this machine. */
  cores: number
}

/**
 * Measures the capacity task on this machine (one core: one worker thread), in about `seconds`: the best of
 * three timed runs after a warm-up, so a busy moment lowers nothing but the run it hit.
 */
export async function calibrateCapacity({ seconds = 2 }: { seconds?: number } = {}): Promise<Calibration> {
  const seed = (i: number): Hex => keccak256(toHex(`apiary-calibrate-${i}`))
  const probe = await solveCapacityTaskInWorker({ taskSeed: seed(0), iterations: 500 })
  const perRun = Math.max(500, Math.round(((seconds / 3) * 1000 * 500) / Math.max(probe.ms, 1)))
  let best = Number.POSITIVE_INFINITY
  for (let i = 1; i <= 3; i++)
    best = Math.min(best, (await solveCapacityTaskInWorker({ taskSeed: seed(i), iterations: perRun })).ms)
  const iterationsPerSecond = (perRun * 1000) / best
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU'
  return {
    gasPerSecond: Math.floor(iterationsPerSecond * Number(ITERATION_GAS)),
    iterationsPerSecond,
    cores: cpus().length,
    name: `one core of ${cpu}, SHA-256 on OpenSSL ${process.versions.openssl}`,
  }
}

/**
 * The difficulty (gas, a whole number of iterations) that one unit of the class needs `share` of the commit
 * window for: with share > 1/2 no unit answers two tasks in one window, and 1 − share is what an honest agent
 * has for seeing the challenge, a slower core and getting its commit mined (docs/challenges.md#difficulty).
 */
export function suggestDifficulty({
  gasPerSecond,
  windowSeconds,
  share = 0.6,
}: {
  gasPerSecond: number
  windowSeconds: number
  share?: number
}): bigint {
  const iterations = BigInt(
    Math.max(1, Math.floor((gasPerSecond * windowSeconds * share) / Number(ITERATION_GAS))),
  )
  return iterations * ITERATION_GAS
}
