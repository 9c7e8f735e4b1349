import { checkStatelessRules } from './checkStatelessRules.ts'
import { type Rejection, toRejection } from './failure.ts'
import type { Fork } from './forks.ts'
import type { EnvelopeAccepted } from './validateEnvelope.ts'

/**
 * The stateless part of L2 on an accepted envelope (intrinsic gas and floor, gas cap, init-code size):
 * what a node checks before it looks at any account. Returns the rejection, or undefined when none applies.
 */
export function checkTransactionRules(envelope: EnvelopeAccepted, fork: Fork): Rejection | undefined {
  try {
    checkStatelessRules(envelope, fork)
    return undefined
  } catch (error) {
    return toRejection(error)
  }
}
