import { hash } from 'node:crypto'

export interface ProofOfExecutionParameters {
  /** The task input exactly as the agent received it (for validation work: the witness bytes), or its sha256 as 0x-hex. */
  input: Uint8Array | `0x${string}`
  /** The agent's answer exactly as received (protobuf `TaskResult` bytes). */
  result: Uint8Array
  /** The agent's payout address. */
  agent: string
}

/**
 * `poe_hash` of a job: sha256(JCS({agent, input: sha256(input), result: sha256(result)})), 0x-hex. It binds
 * what was asked, what was answered and by whom, so a job record cannot be moved to another agent or answer.
 * (The three values are lower-case hex, so the JCS text is the template below; tested against canonicalJson.)
 */
export function proofOfExecution({ input, result, agent }: ProofOfExecutionParameters): string {
  const digest = (bytes: Uint8Array) => `0x${hash('sha256', bytes, 'hex')}`
  const inputDigest = typeof input === 'string' ? input.toLowerCase() : digest(input)
  const text = `{"agent":"${agent.toLowerCase()}","input":"${inputDigest}","result":"${digest(result)}"}`
  return `0x${hash('sha256', text, 'hex')}`
}
