import { createPublicClient, encodeFunctionData, type Hex, type PublicClient, parseEventLogs } from 'viem'
import { anchorArguments, EpochRegistry, evmChain, rpcTransport } from '../../chain/index.ts'
import { ApiaryError } from '../../internal/errors.ts'
import type { Logger } from '../../internal/logger.ts'
import type { Outbox } from '../outbox/index.ts'
import type { SealRow, Store } from '../store/index.ts'
import { DEFAULT_RETRY, postponeStep, type RetryPolicy } from './postponeStep.ts'

export interface AnchorerDependencies {
  store: Store
  logger: Logger
  rpcUrl: string
  chainId: number
  registry: Hex
  /** Signs, stores and sends the `seal` transactions with the hot wallet (the registry's coordinator). */
  outbox: Outbox
  retry?: RetryPolicy | undefined
  now?: () => number
}

export interface AnchorStatus {
  /** Seals waiting for their `seal` transaction. */
  pending: number
  lastAnchored: { epoch: number; txHash: string; block: number } | undefined
  lastError: string | undefined
}

export interface Anchorer {
  tick(): Promise<void>
  status(): AnchorStatus
}

const abi = EpochRegistry.abi
/** A seal row as the registry sees it. */
const toAnchor = (seal: SealRow) =>
  anchorArguments({
    epoch: seal.epoch,
    jobRoot: seal.job_root,
    payoutRoot: seal.payout_root,
    cid: seal.cid,
    model: seal.model,
    distributed: BigInt(seal.distributed_wei),
  })

/**
 * Anchors sealed epochs in the EpochRegistry, oldest first, one `seal` transaction each, exactly once — the
 * settler's discipline: through the outbox (stored before broadcast, re-broadcast until mined), re-signed
 * if its nonce went elsewhere; the registry's `lastEpoch` read first, so an epoch already anchored is
 * adopted from its `Sealed` event (and refused if that event names other roots); failures back off. In the
 * `pools` model the transaction carries the deposit, so anchoring is also the epoch's settlement.
 */
export async function createAnchorer(deps: AnchorerDependencies): Promise<Anchorer> {
  const { store, logger, registry, outbox, now = Date.now } = deps
  const retry = deps.retry ?? DEFAULT_RETRY
  const client: PublicClient = createPublicClient({
    chain: evmChain(deps.chainId, deps.rpcUrl, 'anchor'),
    transport: rpcTransport(deps.rpcUrl, { retryCount: 0 }),
  })
  let retryAt = 0
  let lastError: string | undefined
  /** What status() reports, as of the last step. */
  let status: Omit<AnchorStatus, 'lastError'> = { pending: 0, lastAnchored: undefined }
  const refresh = async () => {
    const last = await store.seals.lastAnchored()
    status = {
      pending: await store.seals.unanchoredCount(),
      lastAnchored:
        last === undefined
          ? undefined
          : { epoch: last.epoch, txHash: last.anchor_tx_hash ?? '', block: last.anchor_block ?? 0 },
    }
  }
  await refresh()

  const record = async (
    seal: SealRow,
    txHash: Hex,
    block: bigint,
    event: { jobRoot: Hex; payoutRoot: Hex; cid: Hex; deposit: bigint },
  ) => {
    const expected = toAnchor(seal)
    if (
      event.jobRoot !== expected.args[1] ||
      event.payoutRoot !== expected.args[2] ||
      event.cid !== expected.args[3]
    )
      throw new ApiaryError(
        'APIARY_ANCHOR_CONFLICT',
        `the registry ${registry} anchors epoch ${seal.epoch} with other roots or CID than this datadir's seal: is another coordinator sealing into it?`,
        { details: { txHash } },
      )
    await store.transaction(async (ops) => {
      await ops.seals.anchored(seal.epoch, { hash: txHash, block: Number(block) })
      if (seal.model === 'pools')
        await ops.epochs.settled(
          seal.epoch,
          { hash: txHash, block: Number(block), at: now() },
          { onlyIfOwed: true },
        )
    })
    retryAt = 0
    lastError = undefined
    logger.info(
      { epoch: seal.epoch, tx: txHash, block: Number(block), cid: seal.cid },
      'epoch anchored on-chain',
    )
  }

  const adopt = async (seal: SealRow) => {
    const logs = await client.getContractEvents({
      address: registry,
      abi,
      eventName: 'Sealed',
      args: { epoch: BigInt(seal.epoch) },
      fromBlock: BigInt((await store.epochs.get(seal.epoch))?.end_block ?? 0),
      toBlock: 'latest',
    })
    const log = logs[0]
    if (log === undefined)
      throw new ApiaryError(
        'APIARY_ANCHOR_CONFLICT',
        `the registry ${registry} is past epoch ${seal.epoch} but never sealed it: is another coordinator sealing into it?`,
      )
    await record(seal, log.transactionHash, log.blockNumber, log.args as never)
  }

  /** One outbox step of the epoch's anchor: send its `seal` transaction, or follow the one in flight. */
  const step = async (seal: SealRow) => {
    const sent = await outbox.step(`anchor:${seal.epoch}`, {
      build: async () => {
        const { args, value } = toAnchor(seal)
        return {
          to: registry,
          data: encodeFunctionData({ abi, functionName: 'seal', args }),
          value,
          what: `the seal of epoch ${seal.epoch}`,
          log: { message: 'anchoring an epoch', fields: { epoch: seal.epoch, value: value.toString() } },
        }
      },
      onStored: (ops, tx) => ops.seals.anchorSending(seal.epoch, tx.hash),
    })
    if (sent.state === 'replaced')
      await store.seals.anchorOwed(seal.epoch, `nonce ${sent.tx.nonce} was used by another transaction`)
    if (sent.state !== 'mined') return
    const { receipt } = sent
    if (receipt.status !== 'success') {
      await store.seals.anchorOwed(seal.epoch, `seal ${receipt.transactionHash} reverted`)
      throw new ApiaryError('APIARY_ANCHOR_REVERTED', `the seal of epoch ${seal.epoch} reverted`, {
        retryable: true,
      })
    }
    const [event] = parseEventLogs({ abi, logs: receipt.logs, eventName: 'Sealed' })
    if (event === undefined) throw new Error(`seal ${receipt.transactionHash} has no Sealed event`)
    await record(seal, receipt.transactionHash, receipt.blockNumber, event.args)
  }

  return {
    async tick() {
      const seal = await store.seals.nextUnanchored()
      if (seal === undefined || now() < retryAt) return
      try {
        const onChain = await client.readContract({ address: registry, abi, functionName: 'lastEpoch' })
        if (onChain >= BigInt(seal.epoch)) await adopt(seal)
        else await step(seal)
      } catch (error) {
        ;({ message: lastError, retryAt } = postponeStep(error, {
          attempts: seal.attempts,
          retry,
          rpcUrl: deps.rpcUrl,
          now: now(),
        }))
        await store.seals.anchorFailed(seal.epoch, lastError)
        logger.warn({ epoch: seal.epoch, err: lastError, retryInMs: retryAt - now() }, 'anchoring postponed')
      } finally {
        await refresh()
      }
    },
    status: () => ({ ...status, lastError }),
  }
}
