import { randomBytes } from 'node:crypto'

/**
 * Who validates what: each task goes to `redundancy` distinct agents of its level (fewer when fewer are
 * live), never twice to the same agent, never beyond an agent's in-flight limit; an assignment not answered
 * by its deadline expires and the task goes to another agent. Copies of a task are spread over regions: an
 * agent does not get a second copy for its region while another live region of that level has none, unless
 * the task has waited `regionWaitMs` (diversity is preferred, never waited for long). Pure bookkeeping in memory: the caller
 * persists assignments before sending them and results before acknowledging them.
 *
 * Memory stays flat and every operation costs what it touches, not what is held: a task is forgotten once
 * it has its answers (or `taskTtlMs` after it was queued with nobody to take it), a closed assignment once
 * `retainMs` has passed its deadline (a reply after that is NOT_ASSIGNED rather than DUPLICATE or LATE).
 * Duplicate keys are refused among the tasks it still holds; the follower enqueues each block once.
 */
export interface DispatchTask {
  /** Unique per transaction inclusion and level (e.g. `<block hash>:<tx index>:3`), so it is never queued twice. */
  key: string
  level: number
}

export interface Assignment {
  taskId: string
  key: string
  agentId: string
  /** When it was handed out (ms). */
  assignedAt: number
  deadline: number
}

export type AcceptResult =
  | { ok: true; assignment: Assignment }
  | { ok: false; code: 'NOT_ASSIGNED' | 'DUPLICATE' | 'LATE' }

export interface DispatchStats {
  queued: number
  open: number
  agents: number
  /** Tasks dropped after `taskTtlMs` without enough answers. */
  abandoned: number
}

export interface Dispatcher {
  /** An agent that can take work (again): level and in-flight limit from its registration. */
  addAgent(agentId: string, options: { level: number; maxInFlight: number; region?: string }): void
  /** The agent is gone: its open assignments are released and their tasks go to others. */
  removeAgent(agentId: string): void
  /**
   * Queues a task; returns false when the key is held already. `answeredBy` lists agents that answered it
   * before (after a restart): they count as answers and never get it again. `excluded` agents never get it
   * either, without counting as answers (a job's next round goes to agents that have not answered it).
   */
  enqueue(task: DispatchTask, answeredBy?: Iterable<string>, excluded?: Iterable<string>): boolean
  /** Hands out up to `max` new assignments to `agentId`, within its free capacity. */
  assign(agentId: string, max: number): Assignment[]
  /** Records an answer: only for an open assignment of that agent, once, before its deadline. */
  accept(agentId: string, taskId: string): AcceptResult
  /** The task key of an agent's assignment, without accepting anything (undefined when not its). */
  keyOf(agentId: string, taskId: string): string | undefined
  /** Expires overdue assignments (their tasks become assignable to other agents) and forgets finished work. */
  expire(): Assignment[]
  /** Free capacity of an agent (0 when unknown). */
  room(agentId: string): number
  stats(): DispatchStats
}

export interface CreateDispatcherParameters {
  redundancy?: number
  /** Milliseconds an agent has to answer. */
  deadlineMs?: number
  /** How long a closed assignment is remembered after its deadline. */
  retainMs?: number
  /** A task nobody could finish is dropped this long after it was queued. */
  taskTtlMs?: number
  /** How long a task waits for an agent of a region that has no copy yet (default 250 ms). */
  regionWaitMs?: number
  now?: () => number
}

interface TaskState {
  task: DispatchTask
  queuedAt: number
  /** Agents that got it (answered, open or expired): never given to them again. */
  tried: Set<string>
  /** Regions of the agents that took it (and still hold it or answered). */
  regions: string[]
  open: number
  answered: number
  waiting: boolean
}

type Held = Assignment & { region: string; state: 'open' | 'answered' | 'expired' }

export function createDispatcher({
  redundancy = 2,
  deadlineMs = 10_000,
  retainMs = 60_000,
  taskTtlMs = 600_000,
  regionWaitMs = 250,
  now = Date.now,
}: CreateDispatcherParameters = {}): Dispatcher {
  const agents = new Map<string, { level: number; maxInFlight: number; region: string; open: Set<string> }>()
  const liveByLevel = new Map<number, number>()
  /** Live agents per level and region. */
  const regionsByLevel = new Map<number, Map<string, number>>()
  /** Insertion order is queue order, so the oldest task comes first. */
  const tasks = new Map<string, TaskState>()
  /** Tasks that still need an assignment, oldest first, per level. */
  const waiting = new Map<number, string[]>()
  /** Every held assignment, in deadline order (deadlines grow with insertion). */
  const assignments = new Map<string, Held>()
  /** Open assignments only, in deadline order. */
  const openByDeadline = new Map<string, Held>()
  let abandoned = 0

  const target = (state: TaskState) => Math.min(redundancy, liveByLevel.get(state.task.level) ?? 0)
  const needed = (state: TaskState) => Math.max(0, target(state) - state.answered - state.open)
  const finished = (state: TaskState) =>
    state.open === 0 && state.answered > 0 && state.answered >= target(state)
  const queueOf = (level: number) => {
    const queue = waiting.get(level) ?? []
    waiting.set(level, queue)
    return queue
  }
  const requeue = (state: TaskState) => {
    if (state.waiting || state.answered + state.open >= redundancy) return
    state.waiting = true
    queueOf(state.task.level).unshift(state.task.key)
  }
  const close = (assignment: Held, outcome: 'answered' | 'expired') => {
    assignment.state = outcome
    openByDeadline.delete(assignment.taskId)
    agents.get(assignment.agentId)?.open.delete(assignment.taskId)
    const state = tasks.get(assignment.key)
    if (state === undefined) return
    state.open--
    if (outcome === 'answered') state.answered++
    else {
      const at = state.regions.indexOf(assignment.region)
      if (at >= 0) state.regions.splice(at, 1)
    }
    if (finished(state)) tasks.delete(assignment.key)
    else requeue(state)
  }
  const setLive = (level: number, region: string, delta: number) => {
    liveByLevel.set(level, (liveByLevel.get(level) ?? 0) + delta)
    const regions = regionsByLevel.get(level) ?? new Map<string, number>()
    regionsByLevel.set(level, regions)
    const left = (regions.get(region) ?? 0) + delta
    if (left > 0) regions.set(region, left)
    else regions.delete(region)
  }
  /** Another live region of the task's level has no copy of it yet, and the task is young enough to wait. */
  const holdForOtherRegion = (state: TaskState, region: string, at: number) => {
    const live = regionsByLevel.get(state.task.level)?.size ?? 0
    return (
      live > 1 &&
      at - state.queuedAt < regionWaitMs &&
      state.regions.includes(region) &&
      live > new Set(state.regions).size
    )
  }

  return {
    addAgent(agentId, { level, maxInFlight, region = '' }) {
      const known = agents.get(agentId)
      if (known !== undefined) setLive(known.level, known.region, -1)
      agents.set(agentId, { level, maxInFlight, region, open: known?.open ?? new Set<string>() })
      setLive(level, region, 1)
    },
    removeAgent(agentId) {
      const agent = agents.get(agentId)
      if (agent === undefined) return
      agents.delete(agentId)
      setLive(agent.level, agent.region, -1)
      for (const taskId of [...agent.open]) {
        const assignment = assignments.get(taskId)
        if (assignment?.state === 'open') close(assignment, 'expired')
      }
    },
    enqueue(task, answeredBy = [], excluded = []) {
      if (tasks.has(task.key)) return false
      const answered = new Set(answeredBy)
      const tried = new Set([...answered, ...excluded])
      const state = {
        task,
        queuedAt: now(),
        tried,
        regions: [],
        open: 0,
        answered: answered.size,
        waiting: true,
      }
      tasks.set(task.key, state)
      queueOf(task.level).push(task.key)
      return true
    },
    assign(agentId, max) {
      const agent = agents.get(agentId)
      if (agent === undefined) return []
      const out: Assignment[] = []
      const queue = queueOf(agent.level)
      const skipped: string[] = []
      let room = Math.min(max, agent.maxInFlight - agent.open.size)
      const at = now()
      let i = 0
      for (; i < queue.length && room > 0; i++) {
        const key = queue[i] as string
        const state = tasks.get(key)
        if (state === undefined) continue
        if (needed(state) === 0) {
          state.waiting = false
          if (finished(state)) tasks.delete(key)
          continue
        }
        if (state.tried.has(agentId) || holdForOtherRegion(state, agent.region, at)) {
          skipped.push(key)
          continue
        }
        const assignment: Held = {
          taskId: randomBytes(16).toString('hex'),
          key,
          agentId,
          region: agent.region,
          assignedAt: at,
          deadline: at + deadlineMs,
          state: 'open',
        }
        assignments.set(assignment.taskId, assignment)
        openByDeadline.set(assignment.taskId, assignment)
        agent.open.add(assignment.taskId)
        state.tried.add(agentId)
        state.regions.push(agent.region)
        state.open++
        room--
        out.push({ taskId: assignment.taskId, key, agentId, assignedAt: at, deadline: assignment.deadline })
        if (needed(state) > 0) skipped.push(key)
        else state.waiting = false
      }
      if (i > 0) waiting.set(agent.level, i === queue.length ? skipped : skipped.concat(queue.slice(i)))
      return out
    },
    accept(agentId, taskId) {
      const assignment = assignments.get(taskId)
      if (assignment === undefined || assignment.agentId !== agentId)
        return { ok: false, code: 'NOT_ASSIGNED' }
      if (assignment.state === 'answered') return { ok: false, code: 'DUPLICATE' }
      if (assignment.state === 'expired') return { ok: false, code: 'LATE' }
      if (now() > assignment.deadline) {
        close(assignment, 'expired')
        return { ok: false, code: 'LATE' }
      }
      close(assignment, 'answered')
      return {
        ok: true,
        assignment: {
          taskId,
          key: assignment.key,
          agentId,
          assignedAt: assignment.assignedAt,
          deadline: assignment.deadline,
        },
      }
    },
    keyOf(agentId, taskId) {
      const assignment = assignments.get(taskId)
      return assignment?.agentId === agentId ? assignment.key : undefined
    },
    expire() {
      const expired: Assignment[] = []
      const at = now()
      for (const assignment of openByDeadline.values()) {
        if (assignment.deadline >= at) break
        close(assignment, 'expired')
        const { state: _state, region: _region, ...rest } = assignment
        expired.push(rest)
      }
      for (const [taskId, assignment] of assignments) {
        if (assignment.deadline + retainMs >= at) break
        if (assignment.state !== 'open') assignments.delete(taskId)
      }
      const dropped = new Set<number>()
      for (const [key, state] of tasks) {
        if (state.queuedAt + taskTtlMs >= at) break
        if (state.open > 0) continue
        tasks.delete(key)
        if (!finished(state)) abandoned++
        if (state.waiting) dropped.add(state.task.level)
      }
      for (const level of dropped)
        waiting.set(
          level,
          queueOf(level).filter((key) => tasks.has(key)),
        )
      return expired
    },
    room(agentId) {
      const agent = agents.get(agentId)
      return agent === undefined ? 0 : Math.max(0, agent.maxInFlight - agent.open.size)
    },
    stats() {
      let queued = 0
      for (const queue of waiting.values()) queued += queue.length
      return { queued, open: openByDeadline.size, agents: agents.size, abandoned }
    },
  }
}
