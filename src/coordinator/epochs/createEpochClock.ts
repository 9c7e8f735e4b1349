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
  tick(): CloseEpochReturnType | undefined
  current(): OpenEpoch
}

/**
 * Opens the first epoch (or resumes the one the store has open: an epoch survives restarts with its start
 * time) and closes epochs when they are due. At least one of `epochMs` and `epochBlocks` must be given.
 */
export function createEpochClock({
  store,
  logger,
  params,
  epochMs,
  epochBlocks,
  followed,
  now = Date.now,
}: EpochClockDependencies): EpochClock {
  const { sqlite } = store
  const sql = {
    open: sqlite.prepare<[], { number: number; started_at: number; start_block: number | null }>(
      'SELECT number, started_at, start_block FROM epochs WHERE closed_at IS NULL',
    ),
    startBlock: sqlite.prepare('UPDATE epochs SET start_block = ? WHERE number = ? AND start_block IS NULL'),
  }
  openEpoch(store, { params, now: now(), block: followed() })
  const current = (): OpenEpoch => {
    const row = sql.open.get() as { number: number; started_at: number; start_block: number | null }
    let startBlock = row.start_block ?? undefined
    const block = followed()
    if (startBlock === undefined && block !== undefined) {
      sql.startBlock.run(block, row.number)
      startBlock = block
    }
    return {
      number: row.number,
      startedAt: row.started_at,
      startBlock,
      closesAt: epochMs === undefined ? undefined : row.started_at + epochMs,
      closesAtBlock:
        epochBlocks === undefined || startBlock === undefined ? undefined : startBlock + epochBlocks,
    }
  }
  return {
    current,
    tick() {
      const open = current()
      const at = now()
      const block = followed()
      const due =
        (open.closesAt !== undefined && at >= open.closesAt) ||
        (open.closesAtBlock !== undefined && block !== undefined && block >= open.closesAtBlock)
      if (!due) return undefined
      const closed = closeEpoch(store, { params, now: at, block })
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
