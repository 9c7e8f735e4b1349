import { statSync } from 'node:fs'
import { ApiaryError } from '../../internal/errors.ts'
import type { Logger } from '../../internal/logger.ts'
import { openStateStore, type StateStore } from './openStateStore.ts'

/**
 * An L4 agent's state at start: the store in `datadir` as the last run left it (a restart reads no
 * snapshot: it is ready as soon as the file opens), else `snapshot` loaded into it (checked as it streams,
 * docs/spec/snapshot.md). APIARY_STATE_EMPTY (a usage error) when there is neither.
 */
export async function openAgentState(options: {
  datadir: string
  snapshot?: string | undefined
  logger: Logger
}): Promise<{ store: StateStore; resumed: boolean; ms: number }> {
  const started = performance.now()
  const store = openStateStore(options.datadir)
  try {
    const head = store.head()
    if (head !== undefined) {
      const ms = performance.now() - started
      options.logger.info(
        { block: Number(head.number), ms: Math.round(ms * 10) / 10 },
        'state resumed from the datadir',
      )
      return { store, resumed: true, ms }
    }
    if (options.snapshot === undefined)
      throw new ApiaryError('APIARY_STATE_EMPTY', `${options.datadir} holds no state: give --snapshot FILE`, {
        usage: true,
        hints: ['apiary snapshot export --rpc URL --out state.snap writes one (docs/l4.md)'],
      })
    const report = await store.loadSnapshot(options.snapshot)
    const ms = performance.now() - started
    options.logger.info(
      {
        block: Number(report.head.number),
        accounts: report.accounts,
        slots: report.slots,
        ms: Math.round(ms),
        mbPerSecond: Math.round((statSync(options.snapshot).size / 1e6 / (ms / 1000)) * 10) / 10,
      },
      'snapshot loaded',
    )
    return { store, resumed: false, ms }
  } catch (error) {
    store.close()
    throw error
  }
}
