import { create, fromBinary, toBinary } from '@bufbuild/protobuf'
import {
  type JobResult,
  type JobTask,
  Level,
  type ResultAck,
  ResultAckSchema,
  type Task,
  type TaskResult,
  TaskResultSchema,
  TaskSchema,
  type Witness as WitnessMessage,
  WitnessSchema,
} from '../../gen/apiary/v1/swarm_pb.js'
import type { Logger } from '../../internal/logger.ts'
import type { Dispatcher } from '../dispatch/index.ts'
import { type Accuracy, type Score, scoreResult, type Truth } from '../scoring/index.ts'
import type { NewAssignment, Store, StoreOperations } from '../store/index.ts'
import { checkResultShape } from './checkResultShape.ts'

/** Levels every inclusion is validated at (and L4 when the coordinator keeps state diffs: `levels`). */
export const TASK_LEVELS = [Level.L1, Level.L2, Level.L3] as const

export interface TaskHubDependencies {
  store: Store
  dispatcher: Dispatcher
  accuracy: Accuracy
  logger: Logger
  now?: () => number
  /** Levels an inclusion is queued at by default (TASK_LEVELS, or with L4). */
  levels?: readonly number[]
  /** Witnesses kept decoded in memory (the rest are read back from the store when needed). */
  cacheSize?: number
  /** Most tasks in one streamed batch. */
  maxBatch?: number
  /** Told of every accepted result: its level and the seconds since its task was dispatched. */
  onAck?: ((level: number, seconds: number) => void) | undefined
  /** Told of every wrong canary answer, once it is stored. */
  onCanaryFailed?: ((agentId: string) => void) | undefined
  /** Client jobs: the tasks of `job:` keys and where their answers go (docs/spec/jobs.md). */
  jobs?: JobHooks | undefined
}

/** What the hub asks of the job board for dispatch keys starting `job:`. */
export interface JobHooks {
  task(key: string): Promise<JobTask | undefined>
  answer(agentId: string, taskId: string, key: string, result: JobResult): Promise<void>
}

export interface HubCounters {
  dispatched: number
  answered: number
  rejected: number
  scored: number
  matched: number
}

export interface TaskHub {
  /**
   * Queues an inclusion already stored in `inclusions`, at `levels` (default all). After a restart,
   * `answeredBy` lists per level the agents whose results are stored.
   */
  enqueue(
    inclusion: string,
    options?: {
      witness?: WitnessMessage
      answeredBy?: ReadonlyMap<number, string[]>
      levels?: readonly number[]
      /** Known to be waiting for chain truth (fresh from the follower): spares a lookup per result. */
      pending?: boolean
      /** Agents that never get it, without counting as answers. */
      excluded?: readonly string[]
    },
  ): void
  /** An agent's task stream opened; returns its batches until `signal` aborts. */
  stream(
    agentId: string,
    options: {
      level: number
      maxInFlight: number
      region?: string
      /** Whether it takes dispatched work (validation, evm.simulate); default true. Pushed tasks come always. */
      dispatch?: boolean
    },
    signal: AbortSignal,
  ): AsyncGenerator<Task[]>
  /** Checks, stores (durably) and then acknowledges results, in order. */
  submit(agentId: string, results: readonly TaskResult[]): Promise<ResultAck[]>
  /**
   * The chain has spoken on an inclusion: record its truth and score its results, or record that it is
   * never scored (`orphaned` by a reorg, `void`: a pending transaction that did not land as pre-executed).
   */
  finalize(inclusion: string, truth: Truth | 'orphaned' | 'void'): Promise<void>
  /** Expires overdue assignments; call periodically. */
  tick(): void
  counters(): HubCounters
  /** Canary answers scored: right and wrong. */
  canaries(): { answersPassed: number; answersFailed: number }
  /** Agents with an open task stream. */
  connected(): ReadonlySet<string>
  /**
   * Hands a task straight to one agent's open stream, outside the dispatcher (an llm.chat job goes to an
   * agent that serves its model). False when the agent has no open stream.
   */
  push(agentId: string, task: Task): boolean
  /** The agent gets no more tasks: its streams end and new ones are refused (see `excluded`). */
  exclude(agentId: string): void
  excluded(agentId: string): boolean
}

const keyOf = (inclusion: string, level: number) => `${inclusion}#${level}`
const split = (key: string) => {
  const at = key.lastIndexOf('#')
  return { inclusion: key.slice(0, at), level: Number(key.slice(at + 1)) }
}

/**
 * Where dispatch meets storage: assignments are written before a batch is sent, results before they are
 * acknowledged (one group commit per event-loop turn), scores once the chain is final. Memory holds only
 * the dispatcher's bookkeeping and a bounded cache of decoded witnesses.
 */
export async function createTaskHub({
  store,
  dispatcher,
  accuracy,
  logger,
  now = Date.now,
  levels: defaultLevels = TASK_LEVELS,
  cacheSize = 4096,
  maxBatch = 256,
  onAck,
  onCanaryFailed,
  jobs,
}: TaskHubDependencies): Promise<TaskHub> {
  const counters: HubCounters = await store.work.totals()
  const canaries = await store.work.canaryTotals()
  const excluded = new Set(await store.agents.excluded())

  /** Decoded witnesses, oldest first (tasks are assigned roughly in the order they were queued). */
  const cache = new Map<string, Record<'full' | 'light' | 'executed' | 'own', WitnessMessage>>()
  /** Truth of final inclusions, least recently used first (null: orphaned, never scored). */
  const truths = new Map<string, Truth | null>()
  const remember = <V>(map: Map<string, V>, key: string, value: V) => {
    map.delete(key)
    map.set(key, value)
    if (map.size > cacheSize) map.delete(map.keys().next().value as string)
  }
  /**
   * Caches a witness with its forms: L1 (no block hashes, no prestate), L2 and L3 (no L4 context), L4 (no
   * prestate: the agent runs on its own state).
   */
  const cacheWitness = (inclusion: string, full: WitnessMessage) => {
    const { l4: _, ...rest } = full
    const entry = {
      full,
      light: create(WitnessSchema, { ...rest, blockHashes: [], prestate: [] }),
      executed: create(WitnessSchema, rest),
      own: create(WitnessSchema, { ...full, prestate: [] }),
    }
    remember(cache, inclusion, entry)
    return entry
  }
  const witnessOf = async (inclusion: string) => {
    const entry = cache.get(inclusion)
    if (entry !== undefined) return entry
    const bytes = await store.work.witness(inclusion)
    return bytes === undefined ? undefined : cacheWitness(inclusion, fromBinary(WitnessSchema, bytes))
  }
  /** Inclusions known to be pending, least recently used first. */
  const pending = new Map<string, true>()
  const truthOf = async (ops: StoreOperations, inclusion: string): Promise<Truth | null | undefined> => {
    if (truths.has(inclusion)) return truths.get(inclusion)
    if (pending.has(inclusion)) return undefined
    const row = await ops.work.truth(inclusion)
    if (row === undefined || row.state === 'pending') return undefined
    const truth = row.state === 'final' && row.truth !== null ? (JSON.parse(row.truth) as Truth) : null
    remember(truths, inclusion, truth)
    return truth
  }

  const waiters = new Set<() => void>()
  const wake = () => {
    for (const waiter of waiters) waiter()
    waiters.clear()
  }
  const streams = new Map<string, number>()
  /** Tasks pushed to one agent, sent before its next dispatch. */
  const direct = new Map<string, Task[]>()
  const scoreNow = async (
    ops: StoreOperations,
    inclusion: string,
    taskId: string,
    agentId: string,
    level: number,
    truth: Truth,
    result: TaskResult,
  ) => {
    const score: Score = scoreResult(level, truth, result)
    const matched = score.mismatches.length === 0
    await ops.work.score(taskId, {
      at: now(),
      fields: score.fields.join(','),
      matched,
      mismatches: score.mismatches.join(','),
    })
    const canary = inclusion.startsWith('canary:')
    return () => {
      accuracy.add(agentId, level, score)
      counters.scored++
      if (matched) counters.matched++
      if (canary && matched) canaries.answersPassed++
      if (canary && !matched) {
        canaries.answersFailed++
        onCanaryFailed?.(agentId)
      }
    }
  }
  return {
    enqueue(
      inclusion,
      { witness, answeredBy, levels = defaultLevels, pending: isPending = false, excluded } = {},
    ) {
      if (isPending) remember(pending, inclusion, true)
      if (witness !== undefined) cacheWitness(inclusion, witness)
      for (const level of levels)
        dispatcher.enqueue({ key: keyOf(inclusion, level), level }, answeredBy?.get(level), excluded)
      wake()
    },

    async *stream(agentId, options, signal) {
      streams.set(agentId, (streams.get(agentId) ?? 0) + 1)
      const dispatched = options.dispatch !== false
      if (dispatched) dispatcher.addAgent(agentId, options)
      wake()
      try {
        while (!signal.aborted && !excluded.has(agentId)) {
          const pushed = direct.get(agentId)
          if (pushed !== undefined && pushed.length > 0) {
            direct.delete(agentId)
            yield pushed
            continue
          }
          const assignments = dispatched ? dispatcher.assign(agentId, maxBatch) : []
          if (assignments.length === 0) {
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, 1000)
              const done = () => {
                clearTimeout(timer)
                signal.removeEventListener('abort', done)
                resolve()
              }
              waiters.add(done)
              signal.addEventListener('abort', done, { once: true })
            })
            continue
          }
          const at = now()
          const tasks: Task[] = []
          const rows: NewAssignment[] = []
          for (const assignment of assignments) {
            const { inclusion, level } = split(assignment.key)
            if (inclusion.startsWith('job:')) {
              // A job's dispatch is the job's own row: no assignment row (a new leader queues open jobs).
              const job = await jobs?.task(inclusion)
              if (job !== undefined)
                tasks.push(
                  create(TaskSchema, {
                    taskId: assignment.taskId,
                    level,
                    deadlineUnixMs: BigInt(assignment.deadline),
                    job,
                  }),
                )
              continue
            }
            const witness = await witnessOf(inclusion)
            if (witness === undefined) {
              logger.error({ inclusion }, 'an assigned inclusion is not in the store')
              continue
            }
            tasks.push(
              create(TaskSchema, {
                taskId: assignment.taskId,
                level,
                deadlineUnixMs: BigInt(assignment.deadline),
                witness:
                  level === Level.L1 ? witness.light : level === Level.L4 ? witness.own : witness.executed,
              }),
            )
            rows.push({
              task_id: assignment.taskId,
              inclusion,
              level,
              agent_id: agentId,
              assigned_at: at,
              deadline: assignment.deadline,
            })
          }
          await store.batch((ops) => ops.work.addAssignments(rows))
          counters.dispatched += tasks.length
          if (signal.aborted) return
          yield tasks
        }
      } finally {
        const left = (streams.get(agentId) ?? 1) - 1
        if (left === 0) {
          streams.delete(agentId)
          direct.delete(agentId)
          if (dispatched) dispatcher.removeAgent(agentId)
          wake()
        } else streams.set(agentId, left)
      }
    },

    async submit(agentId, results) {
      const acks: ResultAck[] = []
      const accepted: { result: TaskResult; inclusion: string; level: number }[] = []
      const answers: { result: JobResult; taskId: string; inclusion: string }[] = []
      const refused: string[] = []
      for (const result of results) {
        let code: string | undefined
        let detail: string | undefined
        const idOk = result.taskId.length > 0 && result.taskId.length <= 64
        const key = idOk ? dispatcher.keyOf(agentId, result.taskId) : undefined
        const task = key === undefined ? undefined : split(key)
        const isJob = task?.inclusion.startsWith('job:') === true
        const witness = task === undefined || isJob ? undefined : (await witnessOf(task.inclusion))?.full
        if (!idOk) detail = 'task_id must be 1-64 characters'
        else if (task !== undefined && isJob !== (result.job !== undefined))
          detail = isJob ? 'a job task is answered with a job result' : 'a validation task has no job result'
        else if (isJob && (result.job?.output.length ?? 0) > 1024 * 1024)
          detail = 'a job output is at most 1 MiB'
        else if (task !== undefined && witness !== undefined)
          detail = checkResultShape(result, task.level, witness)
        if (detail !== undefined) code = 'MALFORMED'
        else {
          const outcome = dispatcher.accept(agentId, result.taskId)
          if (outcome.ok) {
            const task = split(outcome.assignment.key)
            if (result.job !== undefined)
              answers.push({ result: result.job, taskId: result.taskId, inclusion: task.inclusion })
            else accepted.push({ result, ...task })
            onAck?.(task.level, (now() - outcome.assignment.assignedAt) / 1000)
          } else code = outcome.code
        }
        if (code !== undefined) refused.push(code)
        acks.push(
          create(ResultAckSchema, {
            taskId: result.taskId.slice(0, 64),
            accepted: code === undefined,
            rejectCode: code ?? '',
            rejectDetail: detail ?? '',
          }),
        )
      }
      const at = now()
      const afterCommit: (() => void)[] = []
      await store.batch(async (ops) => {
        await ops.work.addResults(
          accepted.map(({ result, inclusion, level }) => ({
            task_id: result.taskId,
            inclusion,
            level,
            agent_id: agentId,
            received_at: at,
            result: toBinary(TaskResultSchema, result),
          })),
        )
        for (const { result, inclusion, level } of accepted) {
          const truth = await truthOf(ops, inclusion)
          if (truth)
            afterCommit.push(await scoreNow(ops, inclusion, result.taskId, agentId, level, truth, result))
        }
        await ops.work.reject(agentId, refused)
      })
      for (const apply of afterCommit) apply()
      // A job's answer is stored (and its job decided) before it is acknowledged.
      for (const answer of answers)
        await jobs?.answer(agentId, answer.taskId, answer.inclusion, answer.result)
      counters.answered += accepted.length + answers.length
      counters.rejected += refused.length
      if (accepted.length > 0) wake()
      return acks
    },

    async finalize(inclusion, truth) {
      const afterCommit: (() => void)[] = []
      try {
        await store.batch(async (ops) => {
          // Known as final from here on, inside the group commit: a result written later in the same commit
          // is scored by submit; one written earlier is among the unscored rows below.
          pending.delete(inclusion)
          const never = truth === 'orphaned' || truth === 'void'
          remember(truths, inclusion, never ? null : truth)
          const changed = await ops.work.settle(
            inclusion,
            never ? truth : 'final',
            never ? null : JSON.stringify(truth),
          )
          if (!changed || never) return
          for (const row of await ops.work.unscored(inclusion))
            afterCommit.push(
              await scoreNow(
                ops,
                inclusion,
                row.task_id,
                row.agent_id,
                row.level,
                truth,
                fromBinary(TaskResultSchema, row.result),
              ),
            )
        })
      } catch (error) {
        truths.delete(inclusion) // the commit rolled back: ask the store again next time
        throw error
      }
      for (const apply of afterCommit) apply()
    },

    tick() {
      if (dispatcher.expire().length > 0) wake()
    },
    push(agentId, task) {
      if (!streams.has(agentId) || excluded.has(agentId)) return false
      direct.set(agentId, [...(direct.get(agentId) ?? []), task])
      wake()
      return true
    },
    counters: () => counters,
    canaries: () => canaries,
    connected: () => new Set(streams.keys()),
    exclude(agentId) {
      excluded.add(agentId)
      wake()
    },
    excluded: (agentId) => excluded.has(agentId),
  }
}
