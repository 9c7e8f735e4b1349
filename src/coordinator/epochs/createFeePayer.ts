import type { Hex } from 'viem'
import { ApiaryError } from '../../internal/errors.ts'
import type { Logger } from '../../internal/logger.ts'
import type { Outbox } from '../outbox/index.ts'
import type { Store } from '../store/index.ts'

export type FeeKind = 'operator' | 'protocol'

export interface FeePayerDependencies {
  store: Store
  logger: Logger
  /** Signs, stores and sends the transfers with the hot wallet, which holds the fees. */
  outbox: Outbox
  /** `f1`: the operator's fee is each settled epoch's delegate cut. `pools`: the fees its sealed bundle states. */
  model: 'f1' | 'pools'
  recipients: { [kind in FeeKind]?: Hex | undefined }
}

export interface FeePayer {
  /** Sends the fees of paid epochs, oldest first; stops at the first transfer still in flight. */
  tick(): Promise<void>
}

/**
 * Pays each paid epoch's operator and protocol fees from the hot wallet to their recipients — once per
 * (epoch, kind), through the outbox (a transfer already mined before a crash is adopted from its outbox row,
 * never sent again). Only epochs from the first one open while recipients were configured: fees kept before
 * were the hot wallet's to spend.
 */
export async function createFeePayer(deps: FeePayerDependencies): Promise<FeePayer> {
  const { store, logger, outbox, model, recipients } = deps
  const open = await store.epochs.open()
  const first = open?.number ?? (await store.epochs.lastNumber()) + 1
  const from = Number(await store.meta.bind('fees_from_epoch', String(first)))

  const amountOf = async (epoch: number, kind: FeeKind, cut: string): Promise<bigint> => {
    if (model === 'f1') return kind === 'operator' ? BigInt(cut) : 0n
    const { 'SUMMARY.json': summary } = await store.seals.files(epoch, ['SUMMARY.json'])
    if (summary === undefined) throw new Error(`the seal of epoch ${epoch} has no SUMMARY.json`)
    const treasury = (
      JSON.parse(new TextDecoder().decode(summary)) as {
        treasury: { operator_fee: string; protocol_fee: string }
      }
    ).treasury
    return BigInt(kind === 'operator' ? treasury.operator_fee : treasury.protocol_fee)
  }

  /** One epoch's fee: true once it is paid. */
  const pay = async (epoch: number, kind: FeeKind, recipient: Hex, cut: string) => {
    const amount = await amountOf(epoch, kind, cut)
    const row = { epoch, kind, recipient: recipient.toLowerCase(), amount: amount.toString() }
    const key = `fee:${epoch}:${kind}`
    if (amount === 0n || (await outbox.mined(key))) {
      await store.fees.paid({ ...row, tx_hash: (await store.outbox.get(key))?.tx_hash ?? null })
      return true
    }
    const sent = await outbox.step(key, {
      build: async () => ({
        to: recipient,
        data: '0x',
        value: amount,
        what: `the ${kind} fee of epoch ${epoch}`,
        log: { message: 'paying a fee', fields: { epoch, kind, amount: amount.toString(), recipient } },
      }),
    })
    if (sent.state !== 'mined') return false
    if (sent.receipt.status !== 'success')
      throw new ApiaryError('APIARY_FEE_REVERTED', `the ${kind} fee of epoch ${epoch} reverted`, {
        retryable: true,
      })
    await store.fees.paid({ ...row, tx_hash: sent.receipt.transactionHash })
    return true
  }

  return {
    async tick() {
      try {
        for (const kind of ['operator', 'protocol'] as const) {
          const recipient = recipients[kind]
          if (recipient === undefined) continue
          for (const { epoch, cut } of await store.fees.unpaid(kind, model, from))
            if (!(await pay(epoch, kind, recipient, cut))) return
        }
      } catch (error) {
        logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'paying fees postponed')
      }
    },
  }
}
