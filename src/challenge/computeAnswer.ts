import type { Address, Hex } from 'viem'
import { capacityIterations, capacityTaskSeed } from './capacityTask.ts'
import { solveCapacityTaskInWorker } from './solveCapacityTaskInWorker.ts'

export interface ComputeAnswerParameters {
  seed: Hex
  /** Hash of the block the challenge was created in. */
  openHash: Hex
  agent: Address
  /** Gas of the task (the challenge's difficulty). */
  difficulty: bigint
}

export interface ComputeAnswerReturnType {
  answer: Hex
  taskSeed: Hex
  iterations: number
  /** Milliseconds the work took. */
  ms: number
}

/**
 * An invitee's answer to an `apiary/capacity-v1` challenge (docs/spec/challenge.md#tasks): its task seed, then
 * ⌊difficulty / 24,846⌋ sequential SHA-256 iterations, on a worker thread.
 */
export async function computeAnswer(
  { seed, openHash, agent, difficulty }: ComputeAnswerParameters,
  signal?: AbortSignal,
): Promise<ComputeAnswerReturnType> {
  const taskSeed = capacityTaskSeed({ seed, openHash, agent })
  const iterations = capacityIterations(difficulty)
  const { answer, ms } = await solveCapacityTaskInWorker({ taskSeed, iterations }, signal)
  return { answer, taskSeed, iterations, ms }
}
