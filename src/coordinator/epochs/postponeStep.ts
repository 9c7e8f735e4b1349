import { redactUrl } from '../../chain/index.ts'
import { ApiaryError } from '../../internal/errors.ts'

/** Backoff of a failed step: doubles from `baseMs` up to `maxMs`. */
export interface RetryPolicy {
  baseMs: number
  maxMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 1000, maxMs: 60_000 }

/**
 * What a failed step of a row's transaction leaves behind: the message to store and show (an ApiaryError's
 * own, else the first line with the redacted node URL) and when to try again after `attempts` earlier ones.
 */
export function postponeStep(
  error: unknown,
  { attempts, retry, rpcUrl, now }: { attempts: number; retry: RetryPolicy; rpcUrl: string; now: number },
): { message: string; retryAt: number } {
  const e = error as Error
  return {
    message: e instanceof ApiaryError ? e.message : `${e.message.split('\n')[0]} (${redactUrl(rpcUrl)})`,
    retryAt: now + Math.min(retry.maxMs, retry.baseMs * 2 ** Math.min(attempts, 16)),
  }
}
