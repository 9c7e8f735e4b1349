import type { RejectCode } from './reasons.ts'

/**
 * How the pure validation code reports a rejection internally: thrown inside the engine, caught at each
 * public operation and turned into a `Rejection` value. It never escapes `validation/`.
 */
export class ValidationFailure extends Error {
  override readonly name = 'ValidationFailure'
  readonly code: RejectCode
  readonly details: Record<string, unknown>
  constructor(code: RejectCode, message: string, details: Record<string, unknown> = {}) {
    super(message)
    this.code = code
    this.details = details
  }
}

/** A structured rejection: a stable reason code, a sentence, and the facts behind it. */
export interface Rejection {
  code: RejectCode
  message: string
  details: Record<string, unknown>
}

export function toRejection(error: unknown): Rejection {
  if (error instanceof ValidationFailure)
    return { code: error.code, message: error.message, details: error.details }
  throw error
}
