import { create } from '@bufbuild/protobuf'
import { ExecutionStatus, LogSchema, type TaskResult, TaskResultSchema } from '../gen/apiary/v1/swarm_pb.js'
import type { EnvelopeVerdict, ExecutionVerdict, StateVerdict } from '../validation/index.ts'
import { fromHex } from '../validation/index.ts'
import { changesFromDiff } from './accountChanges.ts'

const bytes = (hex: string | undefined) =>
  hex === undefined ? new Uint8Array(0) : (fromHex(hex) ?? new Uint8Array(0))

const STATUS = {
  success: ExecutionStatus.SUCCESS,
  reverted: ExecutionStatus.REVERTED,
  halted: ExecutionStatus.HALTED,
} as const

/** An engine verdict of any level as the `TaskResult` answering `taskId`. */
export function resultFromVerdict(
  taskId: string,
  verdict: EnvelopeVerdict | StateVerdict | ExecutionVerdict,
  latencyUs: number,
): TaskResult {
  const base = {
    taskId,
    txHash: bytes(verdict.hash),
    latencyUs: Math.min(0xffffffff, Math.max(0, Math.round(latencyUs))),
  }
  if (!verdict.valid)
    return create(TaskResultSchema, {
      ...base,
      valid: false,
      rejectCode: verdict.reason.code,
      sender: bytes('sender' in verdict ? verdict.sender : undefined),
    })
  const accepted = { ...base, valid: true, sender: bytes(verdict.sender) }
  if (verdict.level !== 'L3')
    return create(TaskResultSchema, { ...accepted, intrinsicGas: verdict.intrinsicGas })
  return create(TaskResultSchema, {
    ...accepted,
    status: STATUS[verdict.status],
    gasUsed: verdict.gasUsed,
    logs: verdict.logs.map((log) =>
      create(LogSchema, {
        address: bytes(log.address),
        topics: log.topics.map(bytes),
        data: bytes(log.data),
      }),
    ),
    returnData: bytes(verdict.returnData),
    createdAddress: bytes(verdict.createdAddress),
    stateChanges: changesFromDiff(verdict.stateDiff),
  })
}
