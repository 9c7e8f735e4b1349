import type { EngineCrypto, VmPool } from '../validation/index.ts'

export const FIXTURE_FORMATS = [
  'transaction-test',
  'ethers-transactions',
  'ethereumjs-transactions',
  'state-test',
  'blockchain-test',
  'geth-tracer',
] as const

export type FixtureFormat = (typeof FIXTURE_FORMATS)[number]

export interface CaseResult {
  /** `<file relative to the run's root>::<case>` */
  id: string
  format: FixtureFormat
  status: 'passed' | 'failed' | 'skipped'
  /** Why it failed or was skipped; absent when it passed. */
  reason?: string
  /** For expected rejections: whether our reason code corresponds to the fixture's exception name. */
  exceptionMatched?: boolean
}

export interface FixtureContext {
  crypto: EngineCrypto
  vms?: VmPool | undefined
}

export interface FixtureFile {
  /** Path relative to the root the run was given, with `/` separators. */
  path: string
  json: unknown
}
