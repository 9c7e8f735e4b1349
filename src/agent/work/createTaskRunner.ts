import { Worker } from 'node:worker_threads'
import { fromBinary, toBinary } from '@bufbuild/protobuf'
import { type Task, type TaskResult, TaskResultSchema, TaskSchema } from '../../gen/apiary/v1/swarm_pb.js'
import { ApiaryError } from '../../internal/errors.ts'
import { answerTask } from '../../protocol/index.ts'
import { createEngineCrypto, createVmPool } from '../../validation/index.ts'

export interface TaskRunner {
  run(task: Task): Promise<TaskResult>
  close(): Promise<void>
}

/**
 * Runs tasks with the validation engine: on `threads` worker threads (least busy first), or on the calling
 * thread when `threads` is 0. A worker that dies fails its tasks and is replaced.
 */
export function createTaskRunner({ threads }: { threads: number }): TaskRunner {
  if (threads === 0) {
    const crypto = createEngineCrypto()
    const ctx = { crypto, vms: createVmPool(crypto) }
    return { run: (task) => answerTask(ctx, task), close: async () => {} }
  }
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
  const script = new URL(`./taskWorker${extension}`, import.meta.url)
  type Pending = { resolve: (r: TaskResult) => void; reject: (e: Error) => void }
  type Slot = { worker: Worker; pending: Map<number, Pending> }
  let next = 0
  let closing = false
  const spawn = (): Slot => {
    const slot: Slot = { worker: new Worker(script), pending: new Map() }
    slot.worker.on('message', ({ id, result }: { id: number; result: Uint8Array }) => {
      const pending = slot.pending.get(id)
      slot.pending.delete(id)
      pending?.resolve(fromBinary(TaskResultSchema, result))
    })
    slot.worker.on('error', (cause) => fail(slot, cause))
    slot.worker.on('exit', (code) => fail(slot, new Error(`worker exited with code ${code}`)))
    return slot
  }
  const slots = Array.from({ length: threads }, spawn)
  const fail = (slot: Slot, cause: unknown) => {
    for (const pending of slot.pending.values())
      pending.reject(new ApiaryError('APIARY_WORKER_FAILED', 'a validation worker failed', { cause }))
    slot.pending.clear()
    const index = slots.indexOf(slot)
    if (!closing && index >= 0) slots[index] = spawn()
  }
  return {
    run(task) {
      const slot = slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a))
      const id = next++
      const bytes = toBinary(TaskSchema, task)
      return new Promise((resolve, reject) => {
        slot.pending.set(id, { resolve, reject })
        slot.worker.postMessage({ id, task: bytes }, [bytes.buffer as ArrayBuffer])
      })
    },
    async close() {
      closing = true
      await Promise.all(slots.map((slot) => slot.worker.terminate()))
    },
  }
}
