import { EEST_EXCEPTIONS, type RejectCode } from '../validation/index.ts'

/**
 * Whether our reason code stands for one of the fixture's expected exceptions
 * (`TransactionException.A|TransactionException.B`).
 */
export function matchException(code: RejectCode, expected: string): boolean {
  const names = expected.split('|').map((e) => e.trim().replace(/^TransactionException\./, ''))
  const ours = EEST_EXCEPTIONS[code] ?? []
  return names.some((name) => ours.includes(name))
}
