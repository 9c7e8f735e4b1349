import { createPublicClient, encodeFunctionData, type Hex, type PublicClient, parseEventLogs } from 'viem'
import { evmChain, JobEscrow, rpcTransport } from '../../chain/index.ts'
import { CHARGE_ASSETS } from '../../epoch/index.ts'
import { ApiaryError } from '../../internal/errors.ts'
import type { Logger } from '../../internal/logger.ts'
import type { Outbox } from '../outbox/index.ts'
import type { ChargeBatchRow, Store } from '../store/index.ts'

export interface ChargerDependencies {
  store: Store
  logger: Logger
  rpcUrl: string
  chainId: number
  /** The JobEscrow, owned by the hot wallet. */
  escrow: Hex
  /** Signs, stores and sends the `charge` transactions with the hot wallet. */
  outbox: Outbox
  /** Where the charged totals go: the hot wallet, which pays the epoch's split from them. */
  payTo: Hex
}

export interface ChargerStatus {
  /** (epoch, asset) charges not on-chain yet. */
  owed: number
  lastCharged: { epoch: number; asset: string; txHash: string | null } | undefined
  lastError: string | undefined
}

export interface Charger {
  /** Takes the oldest owed charges on-chain, one step each; stops at the first still in flight. */
  tick(): Promise<void>
  status(): ChargerStatus
}

const abi = JobEscrow.abi

/**
 * Takes closed epochs' client charges on-chain with JobEscrow.charge, oldest first, once per (epoch, asset)
 * — the settler's discipline: through the outbox (stored before broadcast, followed until mined), the
 * escrow's `lastCharged` read first so that a charge already made (before a crash) is adopted, never sent
 * twice. The escrow refuses a charge above a client's balance, so nothing is taken that was not deposited.
 */
export function createCharger(deps: ChargerDependencies): Charger {
  const { store, logger, escrow, outbox } = deps
  const client: PublicClient = createPublicClient({
    chain: evmChain(deps.chainId, deps.rpcUrl, 'charges'),
    transport: rpcTransport(deps.rpcUrl, { retryCount: 0 }),
  })
  const status: ChargerStatus = { owed: 0, lastCharged: undefined, lastError: undefined }
  const keyOf = (batch: ChargeBatchRow) => `charge:${batch.epoch}:${batch.asset}`

  /** One step of a batch: true once it is on-chain. */
  const step = async (batch: ChargeBatchRow) => {
    const asset = CHARGE_ASSETS[batch.asset]
    const last = await client.readContract({
      address: escrow,
      abi,
      functionName: 'lastCharged',
      args: [asset],
    })
    if (last >= BigInt(batch.epoch)) {
      // Charged already: by this coordinator before a crash (its outbox row names the transaction; without
      // its block, the head's is taken, which only holds the client's money a little longer).
      const row = await store.outbox.get(keyOf(batch))
      const block = row?.mined_block ?? Number(await client.getBlockNumber())
      await store.jobs.charged(batch.epoch, batch.asset, row?.tx_hash ?? null, block)
      return true
    }
    const sent = await outbox.step(keyOf(batch), {
      build: async () => {
        const charges = await store.jobs.charges(batch.epoch, batch.asset)
        return {
          to: escrow,
          data: encodeFunctionData({
            abi,
            functionName: 'charge',
            args: [
              BigInt(batch.epoch),
              asset,
              charges.map((c) => c.client as Hex),
              charges.map((c) => BigInt(c.amount)),
              batch.root as Hex,
              deps.payTo,
            ],
          }),
          value: 0n,
          what: `the ${batch.asset} charge of epoch ${batch.epoch}`,
          log: {
            message: 'charging clients',
            fields: { epoch: batch.epoch, asset: batch.asset, total: batch.total, clients: batch.clients },
          },
        }
      },
    })
    if (sent.state !== 'mined') return false
    if (sent.receipt.status !== 'success')
      throw new ApiaryError(
        'APIARY_CHARGE_REVERTED',
        `the ${batch.asset} charge of epoch ${batch.epoch} reverted (${sent.receipt.transactionHash})`,
        { retryable: true },
      )
    const [event] = parseEventLogs({ abi, logs: sent.receipt.logs, eventName: 'Charged' })
    if (event === undefined || event.args.chargeRoot !== batch.root)
      throw new Error(`charge ${sent.receipt.transactionHash} has no Charged event with its root`)
    await store.jobs.charged(
      batch.epoch,
      batch.asset,
      sent.receipt.transactionHash,
      Number(sent.receipt.blockNumber),
    )
    status.lastCharged = { epoch: batch.epoch, asset: batch.asset, txHash: sent.receipt.transactionHash }
    logger.info({ epoch: batch.epoch, asset: batch.asset, total: batch.total }, 'clients charged')
    return true
  }

  return {
    async tick() {
      const owed = await store.jobs.owedCharges()
      status.owed = owed.length
      try {
        for (const batch of owed) {
          if (!(await step(batch))) return
          status.owed--
        }
        status.lastError = undefined
      } catch (error) {
        status.lastError = error instanceof Error ? error.message : String(error)
        logger.warn({ err: status.lastError }, 'charging clients postponed')
      }
    },
    status: () => ({ ...status }),
  }
}
