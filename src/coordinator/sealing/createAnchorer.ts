import {
  createPublicClient,
  encodeFunctionData,
  type Hex,
  type LocalAccount,
  type PublicClient,
  parseEventLogs,
} from 'viem'
import { EpochRegistry } from '../../chain/contracts.generated.ts'
import { anchorArguments } from '../../chain/epochs/index.ts'
import { evmChain } from '../../chain/evmChain.ts'
import { rpcTransport } from '../../chain/index.ts'
import { broadcastTx, followTx, signNextTx } from '../../chain/writeAheadTx.ts'
import { ApiaryError } from '../../internal/errors.ts'
import type { Logger } from '../../internal/logger.ts'
import { DEFAULT_RETRY, postponeStep, type RetryPolicy } from '../settlement/postponeStep.ts'
import type { SealRow, Store } from '../store/index.ts'

export interface AnchorerDependencies {
  store: Store
  logger: Logger
  rpcUrl: string
  chainId: number
  registry: Hex
  /** The registry's coordinator: signs and pays the `seal` transactions. */
  hotWallet: LocalAccount
  maxFeePerGasWei: bigint
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
 * settler's discipline: signed transaction stored before broadcast and re-broadcast until mined, re-signed
 * if its nonce went elsewhere; the registry's `lastEpoch` read first, so an epoch already anchored is
 * adopted from its `Sealed` event (and refused if that event names other roots); failures back off. In the
 * `pools` model the transaction carries the deposit, so anchoring is also the epoch's settlement.
 */
export function createAnchorer(deps: AnchorerDependencies): Anchorer {
  const { store, logger, registry, hotWallet, now = Date.now } = deps
  const retry = deps.retry ?? DEFAULT_RETRY
  const client: PublicClient = createPublicClient({
    chain: evmChain(deps.chainId, deps.rpcUrl, 'anchor'),
    transport: rpcTransport(deps.rpcUrl, { retryCount: 0 }),
  })
  const tx = { client, wallet: hotWallet, chainId: deps.chainId, maxFeePerGasWei: deps.maxFeePerGasWei }
  const { sqlite } = store
  const sql = {
    next: sqlite.prepare<[], SealRow>(
      "SELECT * FROM seals WHERE anchor IN ('owed', 'sending') ORDER BY epoch LIMIT 1",
    ),
    pending: sqlite.prepare<[], { n: number }>(
      "SELECT COUNT(*) AS n FROM seals WHERE anchor IN ('owed', 'sending')",
    ),
    sending: sqlite.prepare(
      "UPDATE seals SET anchor = 'sending', anchor_raw_tx = ?, anchor_tx_hash = ?, anchor_nonce = ?, attempts = attempts + 1, last_error = NULL WHERE epoch = ?",
    ),
    owe: sqlite.prepare(
      "UPDATE seals SET anchor = 'owed', anchor_raw_tx = NULL, anchor_tx_hash = NULL, anchor_nonce = NULL, last_error = ? WHERE epoch = ?",
    ),
    error: sqlite.prepare('UPDATE seals SET last_error = ?, attempts = attempts + 1 WHERE epoch = ?'),
    anchored: sqlite.prepare(
      "UPDATE seals SET anchor = 'anchored', anchor_tx_hash = ?, anchor_block = ?, anchor_raw_tx = NULL, last_error = NULL WHERE epoch = ?",
    ),
    settled: sqlite.prepare(
      "UPDATE epochs SET settlement = 'settled', tx_hash = ?, settled_block = ?, settled_at = ? WHERE number = ? AND settlement IN ('owed', 'sending')",
    ),
    startBlock: sqlite.prepare<[number], { end_block: number | null }>(
      'SELECT end_block FROM epochs WHERE number = ?',
    ),
    last: sqlite.prepare<[], { epoch: number; anchor_tx_hash: string; anchor_block: number }>(
      "SELECT epoch, anchor_tx_hash, anchor_block FROM seals WHERE anchor = 'anchored' ORDER BY epoch DESC LIMIT 1",
    ),
  }
  let retryAt = 0
  let lastError: string | undefined

  const record = (
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
    sqlite.transaction(() => {
      sql.anchored.run(txHash, Number(block), seal.epoch)
      if (seal.model === 'pools') sql.settled.run(txHash, Number(block), now(), seal.epoch)
    })()
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
      fromBlock: BigInt(sql.startBlock.get(seal.epoch)?.end_block ?? 0),
      toBlock: 'latest',
    })
    const log = logs[0]
    if (log === undefined)
      throw new ApiaryError(
        'APIARY_ANCHOR_CONFLICT',
        `the registry ${registry} is past epoch ${seal.epoch} but never sealed it: is another coordinator sealing into it?`,
      )
    record(seal, log.transactionHash, log.blockNumber, log.args as never)
  }

  const send = async (seal: SealRow) => {
    const { args, value } = toAnchor(seal)
    const data = encodeFunctionData({ abi, functionName: 'seal', args })
    const signed = await signNextTx(tx, {
      to: registry,
      data,
      value,
      what: `the seal of epoch ${seal.epoch}`,
    })
    sql.sending.run(signed.raw, signed.hash, signed.nonce, seal.epoch)
    logger.info(
      { epoch: seal.epoch, tx: signed.hash, nonce: signed.nonce, value: value.toString() },
      'anchoring an epoch',
    )
    await broadcastTx(client, signed.raw)
  }

  const follow = async (seal: SealRow) => {
    const sent = await followTx(tx, {
      hash: seal.anchor_tx_hash as Hex,
      raw: seal.anchor_raw_tx as Hex,
      nonce: seal.anchor_nonce ?? 0,
    })
    if (sent.state === 'replaced')
      sql.owe.run(`nonce ${seal.anchor_nonce} was used by another transaction`, seal.epoch)
    if (sent.state !== 'mined') return
    const { receipt } = sent
    if (receipt.status !== 'success') {
      sql.owe.run(`seal ${receipt.transactionHash} reverted`, seal.epoch)
      throw new ApiaryError('APIARY_ANCHOR_REVERTED', `the seal of epoch ${seal.epoch} reverted`, {
        retryable: true,
      })
    }
    const [event] = parseEventLogs({ abi, logs: receipt.logs, eventName: 'Sealed' })
    if (event === undefined) throw new Error(`seal ${receipt.transactionHash} has no Sealed event`)
    record(seal, receipt.transactionHash, receipt.blockNumber, event.args)
  }

  return {
    async tick() {
      const seal = sql.next.get()
      if (seal === undefined || now() < retryAt) return
      try {
        const onChain = await client.readContract({ address: registry, abi, functionName: 'lastEpoch' })
        if (onChain >= BigInt(seal.epoch)) await adopt(seal)
        else if (seal.anchor === 'sending') await follow(seal)
        else await send(seal)
      } catch (error) {
        ;({ message: lastError, retryAt } = postponeStep(error, {
          attempts: seal.attempts,
          retry,
          rpcUrl: deps.rpcUrl,
          now: now(),
        }))
        sql.error.run(lastError, seal.epoch)
        logger.warn({ epoch: seal.epoch, err: lastError, retryInMs: retryAt - now() }, 'anchoring postponed')
      }
    },
    status() {
      const last = sql.last.get()
      return {
        pending: sql.pending.get()?.n ?? 0,
        lastAnchored:
          last === undefined
            ? undefined
            : { epoch: last.epoch, txHash: last.anchor_tx_hash, block: last.anchor_block },
        lastError,
      }
    },
  }
}
