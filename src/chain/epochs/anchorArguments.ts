import { type Hex, toHex } from 'viem'

export interface SealToAnchor {
  epoch: number
  jobRoot: string
  payoutRoot: string
  cid: string
  /** The bundle's payout model. */
  model: string
  /** Wei the bundle's payouts add up to. */
  distributed: bigint
}

const ZERO = `0x${'00'.repeat(32)}` as const

/**
 * What `EpochRegistry.seal` is given for a sealed epoch, and so what its `Sealed` event must show: `pools`
 * payouts are deposited and claimable; `f1` ones are paid by the AgentRewardPool (payout root 0, no deposit).
 */
export function anchorArguments(seal: SealToAnchor) {
  const pools = seal.model === 'pools'
  return {
    args: [
      BigInt(seal.epoch),
      seal.jobRoot as Hex,
      pools ? (seal.payoutRoot as Hex) : ZERO,
      toHex(seal.cid),
    ] as const,
    value: pools ? seal.distributed : 0n,
  }
}
