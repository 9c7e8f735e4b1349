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

const INVALID_FIELDS = ['valid', 'hash'] as const satisfies readonly ScoredField[]
const hex = (bytes: Uint8Array) => (bytes.length === 0 ? null : toHex(bytes))

/**
 * Compares one verdict with chain truth, field by field. A verdict that calls a mined transaction invalid
 * disagrees on every field it was asked about; against an invalid truth (a canary built invalid) only
 * `valid` and `hash` are compared (engines may name a different first broken rule).
 */
export function scoreResult(level: number, truth: Truth, result: TaskResult): Score {
  const asked = truth.valid ? (SCORED_FIELDS[level as 1 | 2 | 3 | 4] ?? []) : INVALID_FIELDS
  const fields = asked.filter((field) => known(truth, field))
  const mismatches = fields.filter((field) => (truth.valid && !result.valid) || !agrees(field, truth, result))
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
      return result.valid === truth.valid
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

/** The truth an answer stands for: how a canary's expected answer (computed with the engine) is stored. */
export function truthFromResult(result: TaskResult): Truth {
  const truth: Truth = { valid: result.valid, hash: hex(result.txHash) ?? '' }
  if (!result.valid) return truth
  truth.sender = hex(result.sender) ?? ''
  if (result.status === ExecutionStatus.UNSPECIFIED) return truth
  return {
    ...truth,
    status: result.status === ExecutionStatus.SUCCESS ? 'success' : 'failed',
    gasUsed: result.gasUsed.toString(),
    logs: result.logs.map((log) => ({
      address: toHex(log.address),
      topics: log.topics.map(toHex),
      data: toHex(log.data),
    })),
    createdAddress: hex(result.createdAddress),
    changes: canonicalChanges(result.stateChanges),
  }
}

/**
 * Where a pending transaction's pre-executed outcome and its chain truth disagree (empty: it landed as
 * pre-executed — the same prestate and block context give the same outcome; anything else made it another
 * task). Fields one side does not know are not compared.
 */
export function predictionMismatches(predicted: Truth, truth: Truth): string[] {
  const fields = ['valid', 'status', 'gasUsed', 'logs', 'createdAddress', 'changes'] as const
  return fields.filter(
    (f) =>
      predicted[f] !== undefined &&
      truth[f] !== undefined &&
      JSON.stringify(predicted[f]) !== JSON.stringify(truth[f]),
  )
}
