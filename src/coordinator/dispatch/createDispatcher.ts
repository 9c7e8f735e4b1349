/**
 * Who validates what: each task goes to `redundancy` distinct agents of its level (fewer when fewer are
 * live), never twice to the same agent, never beyond an agent's in-flight limit; an assignment not answered
 * by its deadline expires and the task goes to another agent. Pure bookkeeping in memory: the caller
 * persists assignments before sending them and results before acknowledging them.
 *
 * Memory stays flat: a task is forgotten once it has all its answers, and a closed assignment once
 * `retainMs` has passed its deadline (a reply after that is NOT_ASSIGNED rather than DUPLICATE or LATE).
 * Duplicate keys are refused among the tasks it still holds; the follower enqueues each block once.
 */
export interface DispatchTask {
  /** Unique per transaction inclusion (e.g. `<block hash>:<tx index>`), so a transaction is never queued twice. */
  key: string
  level: number
}

export interface Assignment {
  taskId: string
  key: string
  agentId: string
  deadline: number
}

export type AcceptResult =
  | { ok: true; assignment: Assignment }
  | { ok: false; code: 'NOT_ASSIGNED' | 'DUPLICATE' | 'LATE' }

export interface Dispatcher {
  /** An agent that can take work (again): level and in-flight limit from its registration. */
  addAgent(agentId: string, options: { level: number; maxInFlight: number }): void
  /** The agent is gone: its open assignments are released and their tasks go to others. */
  removeAgent(agentId: string): void
  /** Queues a task; returns false when the key was queued before. */
  enqueue(task: DispatchTask): boolean
  /** Hands out up to `max` new assignments to `agentId`, within its free capacity. */
  assign(agentId: string, max: number): Assignment[]
  /** Records an answer: only for an open assignment of that agent, once, before its deadline. */
  accept(agentId: string, taskId: string): AcceptResult
  /** Expires overdue assignments (their tasks become assignable to other agents) and forgets finished work. */
  expire(): Assignment[]
  stats(): { queued: number; open: number; agents: number }
}

export interface CreateDispatcherParameters {
  redundancy?: number
  /** Milliseconds an agent has to answer. */
  deadlineMs?: number
  /** How long a closed assignment is remembered after its deadline. */
  retainMs?: number
  now?: () => number
}

interface TaskState {
  task: DispatchTask
  /** Agents that got it (answered, open or expired): never given to them again. */
  tried: Set<string>
  open: number
  answered: number
}

export function createDispatcher({
  redundancy = 2,
  deadlineMs = 10_000,
  retainMs = 60_000,
  now = Date.now,
}: CreateDispatcherParameters = {}): Dispatcher {
  const agents = new Map<string, { level: number; maxInFlight: number; open: Set<string> }>()
  const tasks = new Map<string, TaskState>()
  /** Tasks that still need an assignment, oldest first, per level. */
  const waiting = new Map<number, string[]>()
  const assignments = new Map<string, Assignment & { state: 'open' | 'answered' | 'expired' }>()
  let sequence = 0

  const live = (level: number) => [...agents.values()].filter((a) => a.level === level).length
  const needed = (state: TaskState) =>
    Math.max(0, Math.min(redundancy, live(state.task.level)) - state.answered - state.open)
  const requeue = (key: string) => {
    const state = tasks.get(key)
    if (state === undefined || needed(state) === 0) return
    const queue = waiting.get(state.task.level) ?? []
    if (!queue.includes(key)) queue.unshift(key)
    waiting.set(state.task.level, queue)
  }
  const close = (assignment: Assignment & { state: string }, state: 'answered' | 'expired') => {
    assignment.state = state
    agents.get(assignment.agentId)?.open.delete(assignment.taskId)
    const task = tasks.get(assignment.key)
    if (task === undefined) return
    task.open--
    if (state === 'answered') task.answered++
  }

  return {
    addAgent(agentId, { level, maxInFlight }) {
      const open = agents.get(agentId)?.open ?? new Set<string>()
      agents.set(agentId, { level, maxInFlight, open })
    },
    removeAgent(agentId) {
      const agent = agents.get(agentId)
      if (agent === undefined) return
      agents.delete(agentId)
      for (const taskId of agent.open) {
        const assignment = assignments.get(taskId)
        if (assignment?.state !== 'open') continue
        close(assignment, 'expired')
        requeue(assignment.key)
      }
    },
    enqueue(task) {
      if (tasks.has(task.key)) return false
      tasks.set(task.key, { task, tried: new Set(), open: 0, answered: 0 })
      const queue = waiting.get(task.level) ?? []
      queue.push(task.key)
      waiting.set(task.level, queue)
      return true
    },
    assign(agentId, max) {
      const agent = agents.get(agentId)
      if (agent === undefined) return []
      const out: Assignment[] = []
      const queue = waiting.get(agent.level) ?? []
      const keep: string[] = []
      for (const key of queue) {
        const state = tasks.get(key) as TaskState
        const room = Math.min(max - out.length, agent.maxInFlight - agent.open.size)
        if (room > 0 && !state.tried.has(agentId) && needed(state) > 0) {
          const assignment = { taskId: `t${++sequence}`, key, agentId, deadline: now() + deadlineMs }
          assignments.set(assignment.taskId, { ...assignment, state: 'open' })
          agent.open.add(assignment.taskId)
          state.tried.add(agentId)
          state.open++
          out.push(assignment)
        }
        if (needed(state) > 0) keep.push(key)
      }
      waiting.set(agent.level, keep)
      return out
    },
    accept(agentId, taskId) {
      const assignment = assignments.get(taskId)
      if (assignment === undefined || assignment.agentId !== agentId)
        return { ok: false, code: 'NOT_ASSIGNED' }
      if (assignment.state === 'answered') return { ok: false, code: 'DUPLICATE' }
      if (assignment.state === 'expired' || now() > assignment.deadline) {
        if (assignment.state === 'open') {
          close(assignment, 'expired')
          requeue(assignment.key)
        }
        return { ok: false, code: 'LATE' }
      }
      close(assignment, 'answered')
      const { state: _state, ...rest } = assignment
      return { ok: true, assignment: rest }
    },
    expire() {
      const expired: Assignment[] = []
      const at = now()
      for (const [taskId, assignment] of assignments) {
        if (assignment.state !== 'open') {
          if (at > assignment.deadline + retainMs) assignments.delete(taskId)
          continue
        }
        if (at <= assignment.deadline) continue
        close(assignment, 'expired')
        requeue(assignment.key)
        const { state: _state, ...rest } = assignment
        expired.push(rest)
      }
      for (const [key, state] of tasks) if (state.open === 0 && needed(state) === 0) tasks.delete(key)
      return expired
    },
    stats() {
      const queued = [...waiting.values()].reduce((n, q) => n + q.length, 0)
      const open = [...assignments.values()].filter((a) => a.state === 'open').length
      return { queued, open, agents: agents.size }
    },
  }
}
