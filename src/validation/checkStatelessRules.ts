import { ValidationFailure } from './failure.ts'
import { type Fork, forkAtLeast } from './forks.ts'
import type { EnvelopeAccepted } from './validateEnvelope.ts'

export const MAX_INITCODE_SIZE = 49152
/** EIP-7825 per-transaction gas cap (Osaka). */
export const MAX_TX_GAS_LIMIT = 1n << 24n

/**
 * The L2 rules that need no state: gas limit ≥ intrinsic gas and the EIP-7623 floor, the EIP-7825 cap,
 * and the EIP-3860 init-code size. Throws `ValidationFailure`.
 */
export function checkStatelessRules(envelope: EnvelopeAccepted, fork: Fork): void {
  const { tx } = envelope
  const required = envelope.intrinsicGas > envelope.floorGas ? envelope.intrinsicGas : envelope.floorGas
  if (tx.gasLimit < required) {
    throw new ValidationFailure('TX_INTRINSIC_GAS_TOO_LOW', `gas limit ${tx.gasLimit} is below ${required}`, {
      gasLimit: tx.gasLimit.toString(),
      intrinsicGas: envelope.intrinsicGas.toString(),
      floorGas: envelope.floorGas.toString(),
    })
  }
  if (forkAtLeast(fork, 'osaka') && tx.gasLimit > MAX_TX_GAS_LIMIT) {
    throw new ValidationFailure('TX_GAS_LIMIT_ABOVE_CAP', `gas limit ${tx.gasLimit} is above 2^24`, {
      gasLimit: tx.gasLimit.toString(),
    })
  }
  if (tx.to === undefined && forkAtLeast(fork, 'shanghai') && tx.data.length > MAX_INITCODE_SIZE) {
    throw new ValidationFailure('TX_INITCODE_TOO_LARGE', `init code is ${tx.data.length} bytes`, {
      size: tx.data.length,
      max: MAX_INITCODE_SIZE,
    })
  }
}
