/**
 * Seals epoch 1 of the coordinator store in DATADIR (argv[2]) with a fixed test sealing key, then prints
 * `sealed <cid>`: the process the crash test kills at random moments.
 */
import { join } from 'node:path'
import { privateKeyToAccount } from 'viem/accounts'
import { sealEpoch } from '../../src/coordinator/epochs/index.ts'
import { openStore } from '../../src/coordinator/store/index.ts'
import { DEFAULT_PAYOUT_PARAMETERS, DEFAULT_WEIGHT_PARAMETERS } from '../../src/epoch/index.ts'
import { createLogger } from '../../src/internal/logger.ts'

export const SEALING_KEY = `0x${'5e'.repeat(32)}` as const
const datadir = process.argv[2] as string
const store = await openStore({ path: join(datadir, 'coordinator.db') })
const row = await sealEpoch(
  {
    store,
    logger: createLogger({ level: 'silent' }),
    dir: join(datadir, 'epochs'),
    signer: privateKeyToAccount(SEALING_KEY),
    chainId: 31337,
  },
  {
    epoch: 1,
    weights: DEFAULT_WEIGHT_PARAMETERS,
    payouts: DEFAULT_PAYOUT_PARAMETERS,
    registry: undefined,
  },
)
store.close()
process.stdout.write(`sealed ${row.cid}\n`)
