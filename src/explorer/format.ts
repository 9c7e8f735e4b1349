/** Formatting shared by the pages: wei, ratios, hashes, times. */

const WEI = 10n ** 18n

/**
 * A decimal wei amount in ETH, to at most 6 decimals ("0.1 ETH"), as the CLI's `eth` prints it. Not viem's
 * `formatEther`: importing viem here puts its shared chunk in the first load (157 KB gzipped instead of 48).
 */
export function eth(wei: string | bigint | null | undefined): string {
  if (wei === null || wei === undefined) return '—'
  const v = BigInt(wei)
  const whole = v / WEI
  const frac = (v % WEI).toString().padStart(18, '0').slice(0, 6).replace(/0+$/, '')
  return `${whole}${frac === '' ? '' : `.${frac}`} ETH`
}

/** The same in ETH as a number, for charts. */
export const ethNumber = (wei: string | bigint) => Number(BigInt(wei) / 10n ** 12n) / 1e6

export const pct = (ratio: number | null | undefined, digits = 1) =>
  ratio === null || ratio === undefined ? '—' : `${(ratio * 100).toFixed(digits)} %`

export const bps = (value: number | null | undefined) =>
  value === null || value === undefined ? '—' : pct(value / 10_000, 2)

/** 0x1234…abcd */
export const short = (hex: string | null | undefined, keep = 6) =>
  hex === null || hex === undefined
    ? '—'
    : hex.length <= 2 * keep + 3
      ? hex
      : `${hex.slice(0, keep + 2)}…${hex.slice(-keep)}`

export const int = (n: number | null | undefined) =>
  n === null || n === undefined ? '—' : n.toLocaleString('en-US')

/** "12 s ago", "3 min ago", from an ISO time. */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (iso === null || iso === undefined) return '—'
  const s = Math.round((now - Date.parse(iso)) / 1000)
  if (s < 60) return `${Math.max(s, 0)} s ago`
  if (s < 3600) return `${Math.floor(s / 60)} min ago`
  return `${Math.floor(s / 3600)} h ago`
}

/** "in 12 s" / "due", to an ISO time. */
export function countdown(iso: string | null | undefined, now = Date.now()): string {
  if (iso === null || iso === undefined) return '—'
  const s = Math.ceil((Date.parse(iso) - now) / 1000)
  if (s <= 0) return 'due'
  return s < 120 ? `in ${s} s` : `in ${Math.ceil(s / 60)} min`
}

/** A 0x quantity as a number. */
export const quantity = (hex: string) => Number(BigInt(hex))
