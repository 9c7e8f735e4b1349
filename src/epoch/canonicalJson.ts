import canonicalize from 'canonicalize'
import { ApiaryError } from '../internal/errors.ts'

/**
 * RFC 8785 (JSON Canonicalization Scheme): object keys sorted by UTF-16 code units, no whitespace, numbers
 * and strings as ECMAScript serializes them. Rejects what JCS cannot represent (NaN, Infinity, lone
 * surrogates, cycles, bigint).
 */
export function canonicalJson(value: unknown): string {
  let text: string | undefined
  try {
    text = canonicalize(value)
  } catch (cause) {
    throw new ApiaryError('APIARY_JSON_NOT_CANONICAL', `cannot canonicalize: ${(cause as Error).message}`, {
      cause,
    })
  }
  if (text === undefined)
    throw new ApiaryError('APIARY_JSON_NOT_CANONICAL', `cannot canonicalize a ${typeof value}`)
  return text
}
