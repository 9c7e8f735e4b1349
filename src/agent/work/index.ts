export { createTaskRunner, type TaskRunner } from './createTaskRunner.ts'
