import assert from 'node:assert/strict'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const GAS_SNAPSHOT = join(import.meta.dirname, '..', '..', 'contracts', 'gas-snapshot.json')
/** A measured figure more than this much above the snapshot fails. */
const TOLERANCE = 0.02

/**
 * Compares measured gas with contracts/gas-snapshot.json: any figure more than 2% above its snapshot, or
 * missing from it, fails. `APIARY_UPDATE_GAS_SNAPSHOT=1` (npm run gas-snapshot) writes the figures instead,
 * keeping the other keys, so each contract's test owns its own keys.
 */
export function checkGasSnapshot(measured: Record<string, number>): void {
  const snapshot = existsSync(GAS_SNAPSHOT)
    ? (JSON.parse(readFileSync(GAS_SNAPSHOT, 'utf8')) as Record<string, number>)
    : {}
  if (process.env.APIARY_UPDATE_GAS_SNAPSHOT === '1') {
    const merged = { ...snapshot, ...measured }
    const sorted = Object.fromEntries(
      Object.keys(merged)
        .sort()
        .map((k) => [k, merged[k]]),
    )
    writeFileSync(GAS_SNAPSHOT, `${JSON.stringify(sorted, null, 2)}\n`)
    return
  }
  const regressions: string[] = []
  for (const [key, gas] of Object.entries(measured)) {
    const recorded = snapshot[key]
    if (recorded === undefined) regressions.push(`${key}: ${gas} is not in the snapshot`)
    else if (gas > recorded * (1 + TOLERANCE))
      regressions.push(
        `${key}: ${gas} gas, snapshot ${recorded} (+${(((gas - recorded) / recorded) * 100).toFixed(1)}%)`,
      )
  }
  assert.deepEqual(
    regressions,
    [],
    `gas over the snapshot by more than 2% (npm run gas-snapshot records new figures)`,
  )
}
