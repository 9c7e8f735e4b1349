import { readFileSync } from 'node:fs'
import type { Hex, LocalAccount } from 'viem'
import type { PayoutParameters, WeightParameters } from '../../epoch/index.ts'
import type { Logger } from '../../internal/logger.ts'
import type { Store } from '../store/index.ts'
import type { Anchorer, AnchorStatus } from './createAnchorer.ts'
import { pinCar } from './pinCar.ts'
import { sealEpoch } from './sealEpoch.ts'
import { sealedCarPath } from './sealedCarPath.ts'

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

export async function createSealer(deps: SealerDependencies): Promise<Sealer> {
  const { store, logger } = deps
  let lastError: string | undefined
  /** Seals made and the last one, as of the last step. */
  let counts: Pick<SealerStatus, 'sealed' | 'lastSealed'> = { sealed: 0, lastSealed: undefined }
  const refresh = async () => {
    counts = { sealed: await store.seals.count(), lastSealed: await store.seals.last() }
  }
  await refresh()
  let pinRetryAt = 0
  let pinError: string | undefined
  const context = { store, logger, dir: deps.dir, signer: deps.signer, chainId: deps.chainId }
  return {
    async tick() {
      const next = await store.seals.nextUnsealed()
      if (next !== undefined) {
        try {
          await sealEpoch(context, {
            epoch: next,
            weights: deps.weights,
            payouts: deps.payouts,
            registry: deps.registry,
          })
          lastError = undefined
        } catch (error) {
          lastError = (error as Error).message
          logger.error({ err: error, epoch: next }, 'sealing failed')
        }
      }
      const unpinned = deps.ipfsApi === undefined ? undefined : await store.seals.nextUnpinned()
      if (unpinned !== undefined && deps.ipfsApi !== undefined && Date.now() >= pinRetryAt) {
        try {
          const car = readFileSync(await sealedCarPath(store, deps.dir, unpinned))
          await pinCar(deps.ipfsApi, car, unpinned.cid)
          await store.seals.pinned(unpinned.epoch, Date.now())
          pinError = undefined
          logger.info({ epoch: unpinned.epoch, cid: unpinned.cid }, 'bundle pinned on IPFS')
        } catch (error) {
          pinRetryAt = Date.now() + (deps.pinRetryMs ?? 30_000)
          pinError = (error as Error).message
          logger.warn({ err: (error as Error).message, epoch: unpinned.epoch }, 'pinning postponed')
        }
      }
      await deps.anchorer?.tick()
      await refresh()
    },
    status: () => ({ ...counts, anchor: deps.anchorer?.status(), lastError, pinError }),
  }
}
