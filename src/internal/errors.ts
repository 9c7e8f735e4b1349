/**
 * The one error type of Apiary. Every failure that crosses a module boundary is an `ApiaryError` with a
 * stable `code` (`APIARY_*`), a short human message, optional details and hints, and the original `cause`.
 * Edges (CLI, gRPC, HTTP) map it to exit codes / statuses; nothing below them does.
 */
export type ApiaryErrorCode = `APIARY_${string}`

export interface ApiaryErrorOptions {
  /** Machine-readable facts about the failure; safe to show to the operator. */
  details?: Record<string, unknown>
  /** What the person can do about it. */
  hints?: readonly string[]
  cause?: unknown
  /** True when the same call may succeed later (network blips, busy resources). */
  retryable?: boolean
  /** True when the failure is the caller's input (bad flag, bad file): CLI exit code 2. */
  usage?: boolean
}

export class ApiaryError extends Error {
  override readonly name = 'ApiaryError'
  readonly code: ApiaryErrorCode
  readonly details: Record<string, unknown>
  readonly hints: readonly string[]
  readonly retryable: boolean
  readonly usage: boolean

  constructor(code: ApiaryErrorCode, message: string, options: ApiaryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.details = options.details ?? {}
    this.hints = options.hints ?? []
    this.retryable = options.retryable ?? false
    this.usage = options.usage ?? false
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, details: this.details, hints: this.hints }
  }
}

export function isApiaryError(value: unknown): value is ApiaryError {
  return value instanceof ApiaryError
}

/** Exit codes of the CLI: 0 ok, 1 failure, 2 usage, 75 retryable (EX_TEMPFAIL). */
export function exitCodeFor(error: unknown): number {
  if (!isApiaryError(error)) return 1
  if (error.usage) return 2
  if (error.retryable) return 75
  return 1
}

/** An error as a server edge sends it: HTTP status, gRPC status code, and what the caller may read. */
export interface EdgeError {
  http: number
  /** gRPC / Connect status code (3 INVALID_ARGUMENT, 13 INTERNAL, 14 UNAVAILABLE, …). */
  grpc: number
  code: string
  message: string
}

/**
 * The one table of how errors leave the coordinator's servers, by ApiaryError code. Codes not listed map
 * by kind: usage → 400 / INVALID_ARGUMENT, retryable → 503 / UNAVAILABLE, anything else → 500 / INTERNAL
 * with the message withheld (it is logged, never sent).
 */
const EDGE_TABLE: Record<string, readonly [http: number, grpc: number]> = {
  APIARY_RPC_UNREACHABLE: [503, 14],
  APIARY_RPC_ERROR: [502, 14],
  APIARY_BUNDLE_DAMAGED: [503, 15],
  APIARY_STORE_UNWRITABLE: [503, 14],
  APIARY_RATE_LIMITED: [429, 8],
}

export function edgeError(error: unknown): EdgeError {
  if (isApiaryError(error)) {
    const known = EDGE_TABLE[error.code]
    const code = error.code.replace(/^APIARY_/, '')
    if (known !== undefined) return { http: known[0], grpc: known[1], code, message: error.message }
    if (error.usage) return { http: 400, grpc: 3, code, message: error.message }
    if (error.retryable) return { http: 503, grpc: 14, code, message: error.message }
  }
  return { http: 500, grpc: 13, code: 'INTERNAL', message: 'internal error' }
}
