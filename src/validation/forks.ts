import { ValidationFailure } from './failure.ts'

/** Ethereum forks the engine knows, oldest first. Names follow the execution specs (camelCase). */
export const FORKS = [
  'frontier',
  'homestead',
  'tangerineWhistle',
  'spuriousDragon',
  'byzantium',
  'constantinople',
  'petersburg',
  'istanbul',
  'muirGlacier',
  'berlin',
  'london',
  'arrowGlacier',
  'grayGlacier',
  'paris',
  'shanghai',
  'cancun',
  'prague',
  'osaka',
] as const

export type Fork = (typeof FORKS)[number]

/** The newest fork the engine executes by default. */
export const LATEST_FORK: Fork = 'prague'

const ALIASES: Record<string, Fork> = {
  chainstart: 'frontier',
  eip150: 'tangerineWhistle',
  eip158: 'spuriousDragon',
  constantinoplefix: 'petersburg',
  merge: 'paris',
  mergenetsplitblock: 'paris',
}

/** Accepts our names and the spellings used by ethereum/tests and geth (`EIP150`, `ConstantinopleFix`, `Merge`). */
export function parseFork(name: string): Fork {
  const lower = name.toLowerCase()
  const fork = FORKS.find((f) => f.toLowerCase() === lower) ?? ALIASES[lower]
  if (fork === undefined) {
    throw new ValidationFailure('FORK_UNKNOWN', `unknown fork "${name}"`, { known: FORKS.join(', ') })
  }
  return fork
}

/** True when `fork` includes the rules of `since`. */
export function forkAtLeast(fork: Fork, since: Fork): boolean {
  return FORKS.indexOf(fork) >= FORKS.indexOf(since)
}

/** The fork's name in @ethereumjs/common. */
export function ethereumjsHardfork(fork: Fork): string {
  return fork === 'frontier' ? 'chainstart' : fork
}

export interface BlobParameters {
  target: number
  max: number
  baseFeeUpdateFraction: bigint
  /** Blobs one transaction may carry (EIP-7594 from Osaka; the block maximum before). */
  maxPerTx: number
}

/** EIP-4844 / EIP-7691 / EIP-7594 blob schedule; `undefined` before Cancun. */
export function blobParameters(fork: Fork): BlobParameters | undefined {
  if (!forkAtLeast(fork, 'cancun')) return undefined
  if (!forkAtLeast(fork, 'prague')) return { target: 3, max: 6, baseFeeUpdateFraction: 3338477n, maxPerTx: 6 }
  if (!forkAtLeast(fork, 'osaka')) return { target: 6, max: 9, baseFeeUpdateFraction: 5007716n, maxPerTx: 9 }
  return { target: 6, max: 9, baseFeeUpdateFraction: 5007716n, maxPerTx: 6 }
}

export const GAS_PER_BLOB = 131072n
