import type { ApiaryErrorCode } from '../internal/errors.ts'

/** One named check of a verification; `code` says what did not match when it failed. */
export interface VerificationCheck {
  id: string
  ok: boolean
  code?: ApiaryErrorCode
  message: string
}

export interface VerificationReport {
  valid: boolean
  checks: VerificationCheck[]
}

/** Collects checks; `fail` returns false so callers can stop a chain of dependent checks. */
export function createChecks() {
  const checks: VerificationCheck[] = []
  return {
    checks,
    pass(id: string, message: string): true {
      checks.push({ id, ok: true, message })
      return true
    },
    fail(id: string, code: ApiaryErrorCode, message: string): false {
      checks.push({ id, ok: false, code, message })
      return false
    },
    check(id: string, ok: boolean, code: ApiaryErrorCode, passed: string, failed: string): boolean {
      checks.push(ok ? { id, ok, message: passed } : { id, ok, code, message: failed })
      return ok
    },
    report(): VerificationReport {
      return { valid: checks.length > 0 && checks.every((c) => c.ok), checks }
    },
  }
}
