import type { MachineClass } from './capacityTask.ts'

/** Block timestamps are whole seconds, and a block is built after its timestamp: the slack allowed for both. */
export const TIMESTAMP_SLACK_SECONDS = 1

export interface CapacityBound {
  /** At least this many units of the class worked at once (0: nobody answered). */
  units: number
  /** Seconds one unit of the class needs for one task: difficulty / gasPerSecond. */
  taskSeconds: number
  /** From the opening block's timestamp to the last answered commit's block, plus the slack. */
  elapsedSeconds: number
  /** Tasks one unit could have finished in that time (whole tasks: a task is one sequential chain). */
  tasksPerUnit: number
  answered: number
}

/**
 * The capacity a challenge's answers prove (docs/spec/challenge.md#capacity-bound): each answered task is
 * `taskSeconds` of sequential work for one unit of the class, none of it possible before the opening block, all
 * of it done before the answer's commit was mined. One unit finishes at most ⌊elapsed / taskSeconds⌋ whole
 * tasks in that time (at least one: an answer exists), so the answers needed ⌈answered / that⌉ units.
 */
export function capacityBound({
  difficulty,
  machineClass,
  openTimestamp,
  answeredCommitTimestamps,
}: {
  difficulty: bigint
  machineClass: MachineClass
  openTimestamp: bigint
  answeredCommitTimestamps: readonly bigint[]
}): CapacityBound {
  const answered = answeredCommitTimestamps.length
  const taskSeconds = Number(difficulty) / machineClass.gasPerSecond
  const last = answeredCommitTimestamps.reduce((a, b) => (b > a ? b : a), openTimestamp)
  const elapsedSeconds = Number(last - openTimestamp) + TIMESTAMP_SLACK_SECONDS
  const tasksPerUnit = taskSeconds <= 0 ? answered : Math.max(1, Math.floor(elapsedSeconds / taskSeconds))
  return {
    units: answered === 0 ? 0 : Math.ceil(answered / tasksPerUnit),
    taskSeconds,
    elapsedSeconds,
    tasksPerUnit,
    answered,
  }
}
