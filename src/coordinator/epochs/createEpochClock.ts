import type { Logger } from '../../internal/logger.ts'
import type { Store } from '../store/index.ts'
import { type CloseEpochReturnType, closeEpoch, type EpochRewardParameters, openEpoch } from './closeEpoch.ts'

export interface EpochClockDependencies {
  store: Store
  logger: Logger
  params: EpochRewardParameters
  /** Close the open epoch once it is this old (ms). */
  epochMs?: number | undefined
  /** Close it once the followed chain has advanced this many blocks since it opened. */
  epochBlocks?: number | undefined
  /** The newest block the coordinator has followed, if any. */
  followed: () => number | undefined
  now?: () => number
}

export interface OpenEpoch {
  number: number
  startedAt: number
  startBlock: number | undefined
  /** When it closes by time, if it closes by time. */
  closesAt: number | undefined
  /** The block at which it closes, if it closes by blocks and its first block is known. */
  closesAtBlock: number | undefined
}

export interface EpochClock {
  /** Closes the open epoch when it is due (time or blocks, whichever comes first); returns what it closed. */
  tick(): Promise<CloseEpochReturnType | undefined>
  current(): OpenEpoch
}

/**
 * Opens the first epoch (or resumes the one the store has open: an epoch survives restarts with its start
 * time) and closes epochs when they are due. At least one of `epochMs` and `epochBlocks` must be given.
 */
export async function createEpochClock({
  store,
  logger,
  params,
  epochMs,
  epochBlocks,
  followed,
  now = Date.now,
}: EpochClockDependencies): Promise<EpochClock> {
  const load = async () => {
    const number = await openEpoch(store, { params, now: now(), block: followed() })
    const row = (await store.epochs.get(number)) as { started_at: number; start_block: number | null }
    return { number, startedAt: row.started_at, startBlock: row.start_block ?? undefined }
  }
  /** The open epoch, as stored (this clock is the only writer of epochs' opening and closing). */
  let open = await load()
  const current = (): OpenEpoch => {
    const block = followed()
    if (open.startBlock === undefined && block !== undefined) {
      open = { ...open, startBlock: block }
      const epoch = open.number
      store.epochs
        .setStartBlock(epoch, block)
        .catch((error) => logger.warn({ err: error, epoch }, 'cannot record the first block of the epoch'))
    }
    return {
      number: open.number,
      startedAt: open.startedAt,
      startBlock: open.startBlock,
      closesAt: epochMs === undefined ? undefined : open.startedAt + epochMs,
      closesAtBlock:
        epochBlocks === undefined || open.startBlock === undefined
          ? undefined
          : open.startBlock + epochBlocks,
    }
  }
  return {
    current,
    async tick() {
      const epoch = current()
      const at = now()
      const block = followed()
      const due =
        (epoch.closesAt !== undefined && at >= epoch.closesAt) ||
        (epoch.closesAtBlock !== undefined && block !== undefined && block >= epoch.closesAtBlock)
      if (!due) return undefined
      const closed = await closeEpoch(store, { params, now: at, block })
      open = await load()
      logger.info(
        {
          epoch: closed.epoch,
          agents: closed.agents.length,
          paid: closed.agents.filter((a) => a.weight > 0n).length,
          totalWeight: closed.totalWeight.toString(),
          deposit: closed.depositWei.toString(),
          settlement: closed.settlement,
        },
        'epoch closed',
      )
      return closed
    },
  }
}
