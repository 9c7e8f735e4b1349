import { parseUnits } from 'viem'
import { ApiaryError } from '../internal/errors.ts'

const UNITS: Record<string, number> = { wei: 0, gwei: 9, ether: 18, eth: 18 }

/**
 * An amount of Ether in wei from `123` (wei), `123wei`, `5gwei`, `0.5ether` or `0.5eth`. Fractions of a wei,
 * negative amounts and unknown units are refused with APIARY_AMOUNT_INVALID.
 */
export function parseAmount(text: string): bigint {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text)
  const unit = (match?.[2] ?? '').toLowerCase() || 'wei'
  const decimals = UNITS[unit]
  const digits = match?.[1]
  if (match === null || digits === undefined || decimals === undefined) {
    throw new ApiaryError('APIARY_AMOUNT_INVALID', `not an amount of Ether: ${JSON.stringify(text)}`, {
      usage: true,
      hints: ['write wei (1000000000000000000) or a unit: 0.5ether, 20gwei, 1000wei'],
    })
  }
  const fraction = digits.split('.')[1] ?? ''
  if (fraction.length > decimals) {
    throw new ApiaryError('APIARY_AMOUNT_INVALID', `${text} is not a whole number of wei`, { usage: true })
  }
  return parseUnits(digits, decimals)
}
