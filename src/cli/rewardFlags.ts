import { z } from 'zod'
import type { RewardOptions } from '../coordinator/index.ts'
import { amountOption } from './chainOptions.ts'

/** The epoch and reward options of `apiary coordinator` and `apiary up` (one schema, one help text). */
export const rewardShape = {
  epochSeconds: z.coerce.number().int().min(1).max(2_592_000).optional(),
  epochBlocks: z.coerce.number().int().min(1).max(10_000_000).optional(),
  epochReward: amountOption.optional(),
  delegateCutBps: z.coerce.number().int().min(0).max(10_000).default(1000),
  bonusAccuracyBps: z.coerce.number().int().min(0).max(10_000).default(9950),
  bonusMultiplierBps: z.coerce.number().int().min(10_000).max(1_000_000).default(12_000),
  minTasks: z.coerce.number().int().min(0).default(1),
  maxFeePerGas: amountOption.optional(),
}

export const REWARD_FLAGS: readonly [flags: string, description: string][] = [
  [
    '--epoch-seconds <s>',
    'close an epoch after this many seconds (APIARY_EPOCH_SECONDS; default 30, or only --epoch-blocks when that is given)',
  ],
  ['--epoch-blocks <n>', 'close an epoch after this many followed blocks (APIARY_EPOCH_BLOCKS)'],
  [
    '--epoch-reward <amount>',
    'paid per epoch, in wei or with a unit: 0.5ether, 20gwei (APIARY_EPOCH_REWARD; default 0)',
  ],
  [
    '--delegate-cut-bps <bps>',
    "the delegate's cut of each epoch reward, kept (APIARY_DELEGATE_CUT_BPS; default 1000 = 10 %)",
  ],
  [
    '--bonus-accuracy-bps <bps>',
    'accuracy from which an agent earns the bonus (APIARY_BONUS_ACCURACY_BPS; default 9950 = 99.5 %)',
  ],
  [
    '--bonus-multiplier-bps <bps>',
    'weight multiplier of the bonus (APIARY_BONUS_MULTIPLIER_BPS; default 12000 = ×1.2)',
  ],
  ['--min-tasks <n>', 'scored tasks an agent needs in an epoch to earn (APIARY_MIN_TASKS; default 1)'],
  [
    '--max-fee-per-gas <amount>',
    'never pay more per gas for a settlement; above it the epoch waits, owed (APIARY_MAX_FEE_PER_GAS; default 100gwei)',
  ],
]

type RewardFlagValues = {
  epochSeconds?: number | undefined
  epochBlocks?: number | undefined
  epochReward?: bigint | undefined
  delegateCutBps: number
  bonusAccuracyBps: number
  bonusMultiplierBps: number
  minTasks: number
}

/** Epoch length and reward parameters from the resolved options (30 s when neither length is given). */
export function rewardOptionsFrom(options: RewardFlagValues): Omit<RewardOptions, 'settlement'> {
  const epochSeconds = options.epochSeconds ?? (options.epochBlocks === undefined ? 30 : undefined)
  return {
    epochMs: epochSeconds === undefined ? undefined : epochSeconds * 1000,
    epochBlocks: options.epochBlocks,
    params: {
      rewardWei: options.epochReward ?? 0n,
      delegateCutBps: options.delegateCutBps,
      bonusAccuracyBps: options.bonusAccuracyBps,
      bonusMultiplierBps: options.bonusMultiplierBps,
      minTasks: options.minTasks,
    },
  }
}

export const DEFAULT_MAX_FEE_PER_GAS = 100_000_000_000n
