import { create } from '@bufbuild/protobuf'
import { canonicalJson } from '../epoch/index.ts'
import { JobResultSchema, type Task, type TaskResult, TaskResultSchema } from '../gen/apiary/v1/swarm_pb.js'
import {
  type ExecuteTransactionContext,
  simulateCalls,
  simulationCalls,
  simulationInput,
} from '../validation/index.ts'
import { witnessFromMessage } from './witnessFromMessage.ts'

/**
 * Answers a client job (docs/spec/jobs.md) with the engine: `evm.simulate` runs the input's calls on the
 * witness. Never throws for bad input: a job it cannot read is answered `{"error": CODE}`, which honest
 * agents give alike.
 */
export async function answerJob(ctx: ExecuteTransactionContext, task: Task): Promise<TaskResult> {
  const started = performance.now()
  const job = task.job
  let output: unknown
  try {
    if (job === undefined || job.type !== 'evm.simulate' || job.witness === undefined)
      output = { error: 'JOB_UNSUPPORTED' }
    else {
      const input = simulationInput.safeParse(JSON.parse(new TextDecoder().decode(job.input)))
      output = input.success
        ? await simulateCalls(ctx, {
            witness: witnessFromMessage(job.witness),
            calls: simulationCalls(input.data),
          })
        : { error: 'JOB_INPUT_INVALID' }
    }
  } catch {
    output = { error: 'JOB_INPUT_INVALID' }
  }
  return create(TaskResultSchema, {
    taskId: task.taskId,
    job: create(JobResultSchema, {
      jobId: job?.jobId ?? '',
      output: new TextEncoder().encode(canonicalJson(output)),
      executionMs: Math.round(performance.now() - started),
    }),
  })
}
