import type { Fork } from './forks.ts'

const BLOCK_FORKS: Array<[key: string, fork: Fork]> = [
  ['homesteadBlock', 'homestead'],
  ['eip150Block', 'tangerineWhistle'],
  ['eip158Block', 'spuriousDragon'],
  ['byzantiumBlock', 'byzantium'],
  ['constantinopleBlock', 'constantinople'],
  ['petersburgBlock', 'petersburg'],
  ['istanbulBlock', 'istanbul'],
  ['muirGlacierBlock', 'muirGlacier'],
  ['berlinBlock', 'berlin'],
  ['londonBlock', 'london'],
  ['arrowGlacierBlock', 'arrowGlacier'],
  ['grayGlacierBlock', 'grayGlacier'],
]
const TIME_FORKS: Array<[key: string, fork: Fork]> = [
  ['shanghaiTime', 'shanghai'],
  ['cancunTime', 'cancun'],
  ['pragueTime', 'prague'],
  ['osakaTime', 'osaka'],
]

/**
 * The fork a go-ethereum chain config (`genesis.config`) is in at a block number and timestamp. Keys match
 * case-insensitively, as Go's encoding/json does (real configs spell `IstanbulBlock`).
 */
export function forkFromGethConfig(config: Record<string, unknown>, number: bigint, timestamp: bigint): Fork {
  const lower = new Map(Object.entries(config).map(([k, v]) => [k.toLowerCase(), v]))
  const at = (key: string): bigint | undefined => {
    const value = lower.get(key.toLowerCase())
    return value === undefined || value === null ? undefined : BigInt(String(value))
  }
  let fork: Fork = 'frontier'
  for (const [key, name] of BLOCK_FORKS) {
    const block = at(key)
    if (block !== undefined && block <= number) fork = name
  }
  const ttd = at('terminalTotalDifficulty')
  const merged = (ttd !== undefined && ttd === 0n) || lower.get('terminaltotaldifficultypassed') === true
  if (!merged) return fork
  fork = 'paris'
  for (const [key, name] of TIME_FORKS) {
    const time = at(key)
    if (time !== undefined && time <= timestamp) fork = name
  }
  return fork
}
