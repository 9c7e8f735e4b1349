import { ExecutionStatus, type TaskResult } from '../../gen/apiary/v1/swarm_pb.js'
import { canonicalChanges } from '../../protocol/index.ts'
import { toHex } from '../../validation/index.ts'
import { SCORED_FIELDS, type ScoredField, type Truth } from './truth.ts'

export interface Score {
  /** Fields compared (those the level answers and the truth knows). */
  fields: ScoredField[]
  /** Fields that disagree with the truth. */
  mismatches: ScoredField[]
}

const hex = (bytes: Uint8Array) => (bytes.length === 0 ? null : toHex(bytes))

/**
 * Compares one verdict with chain truth, field by field. A verdict that calls a mined transaction invalid
 * disagrees on every field it was asked about.
 */
export function scoreResult(level: number, truth: Truth, result: TaskResult): Score {
  const fields = (SCORED_FIELDS[level as 1 | 2 | 3] ?? []).filter((field) => known(truth, field))
  const mismatches = fields.filter((field) => !result.valid || !agrees(field, truth, result))
  return { fields, mismatches }
}

function known(truth: Truth, field: ScoredField): boolean {
  if (field === 'valid') return true
  if (field === 'stateChanges') return truth.changes !== undefined
  return truth[field] !== undefined
}

function agrees(field: ScoredField, truth: Truth, result: TaskResult): boolean {
  switch (field) {
    case 'valid':
      return result.valid
    case 'hash':
      return hex(result.txHash) === truth.hash
    case 'sender':
      return hex(result.sender) === truth.sender
    case 'status':
      return (
        (result.status === ExecutionStatus.SUCCESS ? 'success' : 'failed') === truth.status &&
        result.status !== ExecutionStatus.UNSPECIFIED
      )
    case 'gasUsed':
      return result.gasUsed.toString() === truth.gasUsed
    case 'logs':
      return (
        JSON.stringify(
          result.logs.map((log) => ({
            address: toHex(log.address),
            topics: log.topics.map(toHex),
            data: toHex(log.data),
          })),
        ) === JSON.stringify(truth.logs)
      )
    case 'createdAddress':
      return hex(result.createdAddress) === truth.createdAddress
    case 'stateChanges':
      return canonicalChanges(result.stateChanges) === truth.changes
  }
}
