import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Hex, LocalAccount } from 'viem'
import type { PayoutParameters, WeightParameters } from '../../epoch/index.ts'
import type { Logger } from '../../internal/logger.ts'
import type { SealRow, Store } from '../store/index.ts'
import type { Anchorer, AnchorStatus } from './createAnchorer.ts'
import { pinCar } from './pinCar.ts'
import { sealEpoch } from './sealEpoch.ts'

export interface SealerDependencies {
  store: Store
  logger: Logger
  /** `<datadir>/epochs`. */
  dir: string
  signer: LocalAccount
  chainId: number
  weights: WeightParameters
  payouts: PayoutParameters
  registry?: Hex | undefined
  anchorer?: Anchorer | undefined
  /** A Kubo-compatible HTTP RPC (`http://127.0.0.1:5001`): every CAR is imported and pinned there. */
  ipfsApi?: string | undefined
  /** How long a failed pin waits before it is tried again (ms; default 30 s). */
  pinRetryMs?: number | undefined
}

export interface SealerStatus {
  sealed: number
  lastSealed: { epoch: number; cid: string; jobs: number } | undefined
  anchor: AnchorStatus | undefined
  lastError: string | undefined
  /** Why the last pin failed (cleared by the next success). */
  pinError: string | undefined
}

export interface Sealer {
  /** Seals the oldest closed epoch without a seal, pins the oldest unpinned one, and takes an anchoring step. */
  tick(): Promise<void>
  status(): SealerStatus
}

export function createSealer(deps: SealerDependencies): Sealer {
  const { store, logger } = deps
  const { sqlite } = store
  const sql = {
    unsealed: sqlite.prepare<[], { number: number }>(
      'SELECT number FROM epochs WHERE closed_at IS NOT NULL AND number NOT IN (SELECT epoch FROM seals) ORDER BY number LIMIT 1',
    ),
    unpinned: sqlite.prepare<[], SealRow>(
      'SELECT * FROM seals WHERE pinned_at IS NULL ORDER BY epoch LIMIT 1',
    ),
    pinned: sqlite.prepare('UPDATE seals SET pinned_at = ? WHERE epoch = ?'),
    count: sqlite.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM seals'),
    last: sqlite.prepare<[], { epoch: number; cid: string; jobs: number }>(
      'SELECT epoch, cid, jobs FROM seals ORDER BY epoch DESC LIMIT 1',
    ),
  }
  let lastError: string | undefined
  let pinRetryAt = 0
  let pinError: string | undefined
  const context = { store, logger, dir: deps.dir, signer: deps.signer, chainId: deps.chainId }
  return {
    async tick() {
      const next = sql.unsealed.get()
      if (next !== undefined) {
        try {
          await sealEpoch(context, {
            epoch: next.number,
            weights: deps.weights,
            payouts: deps.payouts,
            registry: deps.registry,
          })
          lastError = undefined
        } catch (error) {
          lastError = (error as Error).message
          logger.error({ err: error, epoch: next.number }, 'sealing failed')
        }
      }
      const unpinned = deps.ipfsApi === undefined ? undefined : sql.unpinned.get()
      if (unpinned !== undefined && deps.ipfsApi !== undefined && Date.now() >= pinRetryAt) {
        try {
          await pinCar(deps.ipfsApi, readFileSync(join(deps.dir, `${unpinned.dir}.car`)), unpinned.cid)
          sql.pinned.run(Date.now(), unpinned.epoch)
          pinError = undefined
          logger.info({ epoch: unpinned.epoch, cid: unpinned.cid }, 'bundle pinned on IPFS')
        } catch (error) {
          pinRetryAt = Date.now() + (deps.pinRetryMs ?? 30_000)
          pinError = (error as Error).message
          logger.warn({ err: (error as Error).message, epoch: unpinned.epoch }, 'pinning postponed')
        }
      }
      await deps.anchorer?.tick()
    },
    status() {
      return {
        sealed: sql.count.get()?.n ?? 0,
        lastSealed: sql.last.get(),
        anchor: deps.anchorer?.status(),
        lastError,
        pinError,
      }
    },
  }
}
