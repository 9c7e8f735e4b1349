import type { Address, PublicClient } from 'viem'
import { type CapacityBound, capacityBound } from './capacityBound.ts'
import { type MachineClass, parseCapacityPrompt } from './capacityTask.ts'
import type { ChallengeMetrics, ChallengeRecord } from './challengeRecord.ts'

export interface ChallengeCapacity extends CapacityBound {
  machineClass: MachineClass
  difficulty: bigint
}

/**
 * The capacity bound a challenge's answers support (docs/spec/challenge.md#capacity-bound), from the block
 * timestamps of its opening and of the answered invitees' commits. Undefined until the verdicts are known, or
 * for a challenge whose prompt is not an `apiary/capacity-v1` task.
 */
export async function readCapacityBound(
  client: PublicClient,
  record: ChallengeRecord,
  verdicts: ChallengeMetrics['verdicts'],
): Promise<ChallengeCapacity | undefined> {
  const prompt = parseCapacityPrompt(record.prompt)
  if (prompt === undefined || verdicts === undefined) return undefined
  const answered = new Set(verdicts.filter((v) => v.answered).map((v) => v.agent.toLowerCase()))
  const blocks = record.commits
    .filter((c) => answered.has(c.agent.toLowerCase() as Address))
    .map((c) => c.block)
  const timestamps = new Map<bigint, bigint>()
  for (const n of new Set([record.startBlock, ...blocks]))
    timestamps.set(n, (await client.getBlock({ blockNumber: n })).timestamp)
  const bound = capacityBound({
    difficulty: record.difficulty,
    machineClass: prompt.class,
    openTimestamp: timestamps.get(record.startBlock) as bigint,
    answeredCommitTimestamps: blocks.map((n) => timestamps.get(n) as bigint),
  })
  return { ...bound, machineClass: prompt.class, difficulty: record.difficulty }
}
