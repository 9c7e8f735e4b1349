import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Hex, LocalAccount } from 'viem'
import { generatePrivateKey } from 'viem/accounts'
import { z } from 'zod'
import type { RewardOptions } from '../coordinator/index.ts'
import type { PayoutParameters } from '../epoch/index.ts'
import { ApiaryError } from '../internal/errors.ts'
import { addressOption, amountOption, loadSigner } from './chainOptions.ts'

export { DEFAULT_MAX_FEE_PER_GAS } from './chainOptions.ts'

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
export function rewardOptionsFrom(options: RewardFlagValues): Omit<RewardOptions, 'settlement' | 'sealing'> {
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

/** The sealing and settlement-mode options of `apiary coordinator` (docs/epochs.md). */
export const sealingShape = {
  settlement: z.enum(['f1', 'merkle']).default('f1'),
  epochRegistry: addressOption.optional(),
  operatorFeeBps: z.coerce.number().int().min(0).max(10_000).optional(),
  protocolFeeBps: z.coerce.number().int().min(0).max(10_000).default(200),
  workPoolBps: z.coerce.number().int().min(0).max(10_000).default(7000),
  sealingKeyFile: z.string().optional(),
  ipfsApi: z.string().url().optional(),
}

export const SEALING_FLAGS: readonly [flags: string, description: string][] = [
  [
    '--settlement <mode>',
    'f1: closed epochs are paid into --reward-pool by weight; merkle: each seal deposits the epoch in --epoch-registry and agents claim with Merkle proofs (APIARY_SETTLEMENT; default f1)',
  ],
  [
    '--epoch-registry <address>',
    'EpochRegistry that every sealed epoch is anchored in; needed by --settlement merkle (APIARY_EPOCH_REGISTRY)',
  ],
  [
    '--operator-fee-bps <bps>',
    'merkle: operator fee taken first (APIARY_OPERATOR_FEE_BPS; default 500 = 5 %; f1 uses --delegate-cut-bps)',
  ],
  [
    '--protocol-fee-bps <bps>',
    'merkle: protocol fee taken first (APIARY_PROTOCOL_FEE_BPS; default 200 = 2 %)',
  ],
  [
    '--work-pool-bps <bps>',
    'merkle: share of the rest split by weight; the remainder is split by uptime (APIARY_WORK_POOL_BPS; default 7000)',
  ],
  [
    '--sealing-key-file <file>',
    'hex private key that signs epoch bundles (APIARY_SEALING_KEY_FILE; default the hot wallet, or DATADIR/sealing.key, created once)',
  ],
  [
    '--ipfs-api <url>',
    'Kubo-compatible HTTP RPC: every epoch CAR is imported and pinned there (APIARY_IPFS_API)',
  ],
]

type SealingFlagValues = {
  settlement: 'f1' | 'merkle'
  epochRegistry?: Hex | undefined
  operatorFeeBps?: number | undefined
  protocolFeeBps: number
  workPoolBps: number
  sealingKeyFile?: string | undefined
  ipfsApi?: string | undefined
  delegateCutBps: number
}

/**
 * Sealing options: the payout model follows the settlement mode; the sealing key is the given file, else
 * the hot wallet (which must sign when anchoring: the registry's coordinator), else `DATADIR/sealing.key`.
 */
export async function sealingOptionsFrom(
  options: SealingFlagValues,
  { datadir, hotWallet }: { datadir: string; hotWallet: LocalAccount | undefined },
): Promise<NonNullable<RewardOptions['sealing']>> {
  if (options.settlement === 'merkle' && options.epochRegistry === undefined)
    throw new ApiaryError('APIARY_SETTLEMENT_INCOMPLETE', '--settlement merkle needs --epoch-registry', {
      usage: true,
    })
  let signer: LocalAccount
  if (options.sealingKeyFile !== undefined)
    signer = await loadSigner({ privateKeyFile: options.sealingKeyFile })
  else if (hotWallet !== undefined) signer = hotWallet
  else signer = await loadSigner({ privateKeyFile: ensureKeyFile(join(datadir, 'sealing.key')) })
  if (options.epochRegistry !== undefined && hotWallet !== undefined && signer.address !== hotWallet.address)
    throw new ApiaryError(
      'APIARY_SEALING_KEY_NOT_COORDINATOR',
      'with --epoch-registry the bundles are signed by the hot wallet (the registry coordinator): drop --sealing-key-file',
      { usage: true },
    )
  const payouts: PayoutParameters =
    options.settlement === 'merkle'
      ? {
          model: 'pools',
          operatorFeeBps: options.operatorFeeBps ?? 500,
          protocolFeeBps: options.protocolFeeBps,
          workPoolBps: options.workPoolBps,
          readinessPoolBps: 10_000 - options.workPoolBps,
        }
      : {
          model: 'f1',
          operatorFeeBps: options.delegateCutBps,
          protocolFeeBps: 0,
          workPoolBps: 10_000,
          readinessPoolBps: 0,
        }
  return { signer, payouts, registry: options.epochRegistry, ipfsApi: options.ipfsApi }
}

/** A hex private key file, created (mode 0600) with a random key when it does not exist. */
function ensureKeyFile(path: string): string {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, `${generatePrivateKey()}\n`, { mode: 0o600, flag: 'wx' })
  }
  return path
}
