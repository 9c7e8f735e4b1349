import { ApiaryError } from '../internal/errors.ts'
import { splitDeposit } from './splitDeposit.ts'

export interface PayoutParameters {
  /**
   * `pools` (SwarmEpoch): operator and protocol fees first, then a work pool by weight and a readiness pool
   * by uptime, remainders by largest remainder. `f1`: what AgentRewardPool pays — the operator fee (the
   * delegate's cut), then the rest by weight, floored, the dust left undistributed.
   */
  model: 'pools' | 'f1'
  operatorFeeBps: number
  protocolFeeBps: number
  workPoolBps: number
  readinessPoolBps: number
}

export interface PayoutInput {
  /** Lower-case payout address; entries with the same address add up. */
  address: string
  /** The ioSwarm weight (computeWeights); 0 = not eligible. */
  weight: bigint
  /** Seconds the coordinator saw the agent connected during the epoch. */
  uptimeSeconds: number
}

export interface Payout {
  address: string
  workShare: bigint
  readinessShare: bigint
  amount: bigint
}

export interface Treasury {
  revenue: bigint
  operatorFee: bigint
  protocolFee: bigint
  workPool: bigint
  readinessPool: bigint
  /** Σ amounts paid to agents. */
  distributed: bigint
  /** What nobody could be paid (no eligible agent; f1 rounding dust). */
  undistributed: bigint
}

export interface ComputePayoutsReturnType {
  /** One per address with a weight or uptime, sorted by address. */
  payouts: Payout[]
  treasury: Treasury
}

export const DEFAULT_PAYOUT_PARAMETERS: PayoutParameters = {
  model: 'pools',
  operatorFeeBps: 500,
  protocolFeeBps: 200,
  workPoolBps: 7000,
  readinessPoolBps: 3000,
}

/**
 * Splits an epoch's revenue (integer wei) so that Σ amounts + fees + undistributed = revenue exactly.
 * Pools: operator fee = ⌊R·op⌋, protocol fee = ⌊R·proto⌋, net = the rest; work pool = ⌊net·work⌋ by weight,
 * readiness pool = net − work pool by uptime among eligible agents (weight > 0; by weight if none has
 * uptime). Each pool is split by largest remainder: ⌊pool·w/W⌋ each, then one wei to the largest remainders,
 * ties to the lower address. With no eligible agent, net is undistributed.
 */
export function computePayouts(
  revenue: bigint,
  inputs: readonly PayoutInput[],
  params: PayoutParameters,
): ComputePayoutsReturnType {
  checkParameters(revenue, params)
  const byAddress = new Map<string, { weight: bigint; uptime: bigint }>()
  for (const input of inputs) {
    const address = input.address.toLowerCase()
    const entry = byAddress.get(address) ?? { weight: 0n, uptime: 0n }
    entry.weight += input.weight
    entry.uptime += BigInt(Math.max(0, Math.floor(input.uptimeSeconds)))
    byAddress.set(address, entry)
  }
  const addresses = [...byAddress.keys()].sort()
  const bps = (value: bigint, points: number) => (value * BigInt(points)) / 10_000n
  const operatorFee = bps(revenue, params.operatorFeeBps)
  const protocolFee = params.model === 'f1' ? 0n : bps(revenue, params.protocolFeeBps)
  const net = revenue - operatorFee - protocolFee
  const eligible = addresses.filter((a) => (byAddress.get(a)?.weight ?? 0n) > 0n)
  const weights = new Map(eligible.map((a) => [a, byAddress.get(a)?.weight ?? 0n]))
  let work = new Map<string, bigint>()
  let readiness = new Map<string, bigint>()
  let workPool = 0n
  let readinessPool = 0n
  let undistributed = 0n
  if (eligible.length === 0) undistributed = net
  else if (params.model === 'f1') {
    workPool = net
    const split = splitDeposit({ weights, amount: net })
    work = split.credits
    undistributed = split.carried
  } else {
    workPool = bps(net, params.workPoolBps)
    readinessPool = net - workPool
    work = largestRemainder(workPool, weights)
    const uptimes = new Map(eligible.map((a) => [a, byAddress.get(a)?.uptime ?? 0n]))
    const anyUptime = [...uptimes.values()].some((u) => u > 0n)
    readiness = largestRemainder(readinessPool, anyUptime ? uptimes : weights)
  }
  const payouts = addresses.map((address) => {
    const workShare = work.get(address) ?? 0n
    const readinessShare = readiness.get(address) ?? 0n
    return { address, workShare, readinessShare, amount: workShare + readinessShare }
  })
  const distributed = payouts.reduce((sum, p) => sum + p.amount, 0n)
  return {
    payouts,
    treasury: { revenue, operatorFee, protocolFee, workPool, readinessPool, distributed, undistributed },
  }
}

/** ⌊pool·w/W⌋ each, then the leftover wei one by one to the largest remainders (ties: lower address). */
function largestRemainder(pool: bigint, weights: ReadonlyMap<string, bigint>): Map<string, bigint> {
  let total = 0n
  for (const w of weights.values()) total += w
  const shares = new Map<string, bigint>()
  if (total === 0n || pool === 0n) {
    for (const a of weights.keys()) shares.set(a, 0n)
    return shares
  }
  const remainders: { address: string; remainder: bigint }[] = []
  let given = 0n
  for (const [address, w] of weights) {
    const share = (pool * w) / total
    shares.set(address, share)
    given += share
    remainders.push({ address, remainder: (pool * w) % total })
  }
  remainders.sort((a, b) =>
    a.remainder === b.remainder ? (a.address < b.address ? -1 : 1) : a.remainder > b.remainder ? -1 : 1,
  )
  for (let i = 0n; i < pool - given; i++) {
    const r = remainders[Number(i)] as { address: string }
    shares.set(r.address, (shares.get(r.address) ?? 0n) + 1n)
  }
  return shares
}

function checkParameters(revenue: bigint, p: PayoutParameters) {
  const bad = (message: string) =>
    new ApiaryError('APIARY_PAYOUT_PARAMETERS_INVALID', message, { usage: true, details: { ...p } })
  if (revenue < 0n) throw bad('the revenue is negative')
  for (const [name, value] of Object.entries(p))
    if (name !== 'model' && (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 10_000))
      throw bad(`${name} must be an integer number of basis points, 0..10000`)
  if (p.operatorFeeBps + p.protocolFeeBps > 10_000) throw bad('the fees add up to more than 100 %')
  if (p.model === 'pools' && p.workPoolBps + p.readinessPoolBps !== 10_000)
    throw bad('the work and readiness pools must add up to 10000 bps')
}
