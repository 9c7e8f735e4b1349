import { hash } from 'node:crypto'
import { canonicalJson } from './canonicalJson.ts'

export interface ProofOfExecutionParameters {
  /** The task input exactly as the agent received it (for validation work: the witness bytes). */
  input: Uint8Array
  /** The agent's answer exactly as received (protobuf `TaskResult` bytes). */
  result: Uint8Array
  /** The agent's payout address. */
  agent: string
}

/**
 * `poe_hash` of a job: sha256(JCS({agent, input: sha256(input), result: sha256(result)})), 0x-hex. It binds
 * what was asked, what was answered and by whom, so a job record cannot be moved to another agent or answer.
 */
export function proofOfExecution({ input, result, agent }: ProofOfExecutionParameters): string {
  const digest = (bytes: Uint8Array) => `0x${hash('sha256', bytes, 'hex')}`
  const text = canonicalJson({ agent: agent.toLowerCase(), input: digest(input), result: digest(result) })
  return `0x${hash('sha256', text, 'hex')}`
}
