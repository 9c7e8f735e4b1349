export { createTaskRunner, type TaskRunner } from './createTaskRunner.ts'
export { runTask } from './runTask.ts'
