export { createTaskHub, type HubCounters, TASK_LEVELS, type TaskHub } from './createTaskHub.ts'
