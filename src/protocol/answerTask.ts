import { create } from '@bufbuild/protobuf'
import { Level, type Task, type TaskResult, TaskResultSchema } from '../gen/apiary/v1/swarm_pb.js'
import {
  type ExecuteTransactionContext,
  executeTransaction,
  validateEnvelope,
  validateState,
  type Witness,
} from '../validation/index.ts'
import { answerJob } from './answerJob.ts'
import { resultFromVerdict } from './resultFromVerdict.ts'
import { witnessFromMessage } from './witnessFromMessage.ts'

/**
 * Validates one task at its level with the engine and answers it: what an honest agent sends, and what the
 * coordinator expects of a canary. Never throws for bad input: a task whose witness is malformed is answered
 * `WITNESS_INVALID`.
 */
export async function answerTask(ctx: ExecuteTransactionContext, task: Task): Promise<TaskResult> {
  if (task.job !== undefined) return answerJob(ctx, task)
  const started = performance.now()
  let witness: Witness
  try {
    if (task.witness === undefined) throw new Error('the task has no witness')
    witness = witnessFromMessage(task.witness)
  } catch {
    return create(TaskResultSchema, { taskId: task.taskId, valid: false, rejectCode: 'WITNESS_INVALID' })
  }
  const verdict =
    task.level === Level.L1
      ? validateEnvelope(ctx, { raw: witness.transaction, chainId: witness.chainId, fork: witness.fork })
      : task.level === Level.L2
        ? validateState(ctx, { witness })
        : await executeTransaction(ctx, { witness })
  return resultFromVerdict(task.taskId, verdict, (performance.now() - started) * 1000)
}
