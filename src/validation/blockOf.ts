import { type Block, createBlock } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { Address } from '@ethereumjs/util'
import { forkAtLeast } from './forks.ts'
import type { BlockContext, Witness } from './witness.ts'

/** The @ethereumjs block a witness's transactions run in (its header fields only; no body, no checks). */
export function blockOf(witness: Pick<Witness, 'fork'> & { block: BlockContext }, common: Common): Block {
  const { block: b, fork } = witness
  return createBlock(
    {
      header: {
        number: b.number,
        timestamp: b.timestamp,
        coinbase: new Address(b.coinbase),
        gasLimit: b.gasLimit,
        difficulty: forkAtLeast(fork, 'paris') ? 0n : b.difficulty,
        ...(b.baseFeePerGas !== undefined && forkAtLeast(fork, 'london')
          ? { baseFeePerGas: b.baseFeePerGas }
          : {}),
        ...(b.prevRandao !== undefined ? { mixHash: b.prevRandao } : {}),
        ...(forkAtLeast(fork, 'cancun') ? { excessBlobGas: b.excessBlobGas ?? 0n, blobGasUsed: 0n } : {}),
        ...(b.parentBeaconBlockRoot !== undefined ? { parentBeaconBlockRoot: b.parentBeaconBlockRoot } : {}),
      },
    },
    { common, skipConsensusFormatValidation: true },
  )
}
