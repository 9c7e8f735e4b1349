import { type Address, concat, encodeAbiParameters, type Hex, keccak256 } from 'viem'
import { CapacityTask } from '../chain/index.ts'
import { ApiaryError } from '../internal/errors.ts'

/** The task kind of `promptOrCid` (docs/spec/challenge.md#tasks). */
export const CAPACITY_V1 = 'apiary/capacity-v1'
/** Gas of one iteration of CapacityTask's loop (a SHA-256 precompile call over 65,568 bytes). */
export const ITERATION_GAS = 24_821n
/** The largest prompt an agent reads: a longer one is not a task of this version. */
const MAX_PROMPT_BYTES = 1024

/** The machine class a challenge's bound counts in: one core running the task at this rate (a benchmark's). */
export interface MachineClass {
  /** Task gas per second of one unit of the class (`apiary challenge calibrate`). */
  gasPerSecond: number
  /** Free text: where the rate was measured (CPU, solver). */
  name: string
}

/** What an `apiary/capacity-v1` challenge's `promptOrCid` says: the kind and the class its bound counts in. */
export interface CapacityPrompt {
  task: typeof CAPACITY_V1
  class: MachineClass
}

/** The prompt as UTF-8 JSON: `{"task":"apiary/capacity-v1","class":{"gasPerSecond":…,"name":…}}`. */
export function encodeCapacityPrompt(machineClass: MachineClass): string {
  return JSON.stringify({
    task: CAPACITY_V1,
    class: { gasPerSecond: machineClass.gasPerSecond, name: machineClass.name },
  })
}

/** The prompt of a capacity-v1 challenge, or undefined when the text is anything else. */
export function parseCapacityPrompt(text: string): CapacityPrompt | undefined {
  if (text.length > MAX_PROMPT_BYTES) return undefined
  try {
    const value = JSON.parse(text) as { task?: unknown; class?: { gasPerSecond?: unknown; name?: unknown } }
    const rate = value.class?.gasPerSecond
    if (value.task !== CAPACITY_V1 || typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0)
      return undefined
    const name = typeof value.class?.name === 'string' ? value.class.name.slice(0, 200) : ''
    return { task: CAPACITY_V1, class: { gasPerSecond: rate, name } }
  } catch {
    return undefined
  }
}

/**
 * The seed of one invitee's task: keccak256(abi.encode(seed, openHash, agent)), where openHash is the hash of
 * the block the challenge was created in, so nobody (the creator included) knows any task before that block.
 */
export function capacityTaskSeed({
  seed,
  openHash,
  agent,
}: {
  seed: Hex
  openHash: Hex
  agent: Address
}): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: 'bytes32' }, { type: 'bytes32' }, { type: 'address' }],
      [seed, openHash, agent],
    ),
  )
}

/** Iterations of a task of `difficulty` gas: floor(difficulty / ITERATION_GAS). */
export function capacityIterations(difficulty: bigint): number {
  const iterations = difficulty / ITERATION_GAS
  if (iterations > 2n ** 40n)
    throw new ApiaryError('APIARY_CHALLENGE_DIFFICULTY', `difficulty ${difficulty} is beyond any machine`, {
      usage: true,
    })
  return Number(iterations)
}

/** CapacityTask's creation code with (taskSeed, iterations): what `eth_call` runs to check an answer. */
export function capacityTaskCall(taskSeed: Hex, iterations: number): Hex {
  return concat([
    CapacityTask.bytecode,
    encodeAbiParameters([{ type: 'bytes32' }, { type: 'uint256' }], [taskSeed, BigInt(iterations)]),
  ])
}
