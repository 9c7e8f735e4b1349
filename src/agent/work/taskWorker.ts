import { parentPort } from 'node:worker_threads'
import { fromBinary, toBinary } from '@bufbuild/protobuf'
import { TaskResultSchema, TaskSchema } from '../../gen/apiary/v1/swarm_pb.js'
import { answerTask } from '../../protocol/index.ts'
import { createEngineCrypto, createVmPool } from '../../validation/index.ts'

/** Worker thread of createTaskRunner: protobuf Task bytes in, protobuf TaskResult bytes out. */
const crypto = createEngineCrypto()
const ctx = { crypto, vms: createVmPool(crypto) }
parentPort?.on('message', async ({ id, task }: { id: number; task: Uint8Array }) => {
  const result = await answerTask(ctx, fromBinary(TaskSchema, task))
  const bytes = toBinary(TaskResultSchema, result)
  parentPort?.postMessage({ id, result: bytes }, [bytes.buffer as ArrayBuffer])
})
