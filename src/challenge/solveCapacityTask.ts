import { hash } from 'node:crypto'

/** Words of the pad after x (docs/spec/challenge.md#tasks). */
export const PAD_WORDS = 2048

/**
 * The answer of a task (x after `iterations` steps), computed directly: the pad by keccak256, then SHA-256 on
 * OpenSSL (SHA extensions where the CPU has them). Twice as fast as the same code in an EVM interpreter
 * (BENCHMARKS.md), and what a faker would use, so it is what the class is measured with. Synchronous and
 * CPU-bound for as long as the difficulty says: run it on a worker thread (`solveCapacityTaskInWorker`).
 * Imports nothing but node:crypto, so a worker starts in a few milliseconds.
 */
export function solveCapacityTask(
  keccak256: (data: Uint8Array) => Uint8Array,
  { taskSeed, iterations }: { taskSeed: `0x${string}`; iterations: number },
): `0x${string}` {
  const seed = Buffer.from(taskSeed.slice(2), 'hex')
  if (seed.length !== 32) throw new Error('a task seed is 32 bytes')
  const memory = Buffer.alloc(32 * (PAD_WORDS + 1))
  memory.set(seed, 0)
  for (let j = 1; j <= PAD_WORDS; j++) memory.set(keccak256(memory.subarray(32 * (j - 1), 32 * j)), 32 * j)
  memory.set(seed, 0)
  for (let i = 0; i < iterations; i++) hash('sha256', memory, 'buffer').copy(memory, 0)
  return `0x${memory.subarray(0, 32).toString('hex')}`
}
