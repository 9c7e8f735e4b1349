import type { Hex, LocalAccount, PublicClient, TransactionReceipt } from 'viem'
import { broadcastTx, followTx, type SignedTx, signNextTx } from '../../chain/index.ts'
import type { Logger } from '../../internal/logger.ts'
import type { Store, StoreOperations } from '../store/index.ts'

export interface OutboxDependencies {
  /** The store the transactions are written to: the leader's fenced store when replicas share one. */
  store: Store
  client: PublicClient
  wallet: LocalAccount
  chainId: number
  /** Never pay more than this per gas (wei). */
  maxFeePerGasWei: bigint
  logger: Logger
  now?: () => number
}

/** What a transaction is for: its recipient, calldata and value, and words for errors (`epoch 3`). */
export interface OutboxCall {
  to: Hex
  data: Hex
  value: bigint
  what: string
  /** Logged (with the transaction's hash and nonce) once it is stored, before it is broadcast. */
  log?: { message: string; fields: Record<string, unknown> } | undefined
}

/** Where a subject's transaction stands after a step. */
export type OutboxStep =
  | { state: 'sent' | 'pending' | 'replaced'; tx: SignedTx }
  | { state: 'mined'; tx: SignedTx; receipt: TransactionReceipt }

export interface Outbox {
  /**
   * One step of subject `key`'s transaction. One in flight is followed: re-broadcast while pending,
   * `mined` with its receipt (once: the next step sends anew), or `replaced` when its nonce went to another
   * transaction. Without one, the call `build` describes is signed, stored with `onStored`'s writes in one
   * transaction — write-ahead: a crash from then on follows it — and only then broadcast.
   */
  step(
    key: string,
    options: {
      build: () => Promise<OutboxCall>
      onStored?: ((ops: StoreOperations, tx: SignedTx) => Promise<void>) | undefined
    },
  ): Promise<OutboxStep>
  /** Whether subject `key`'s last transaction was mined (a subject done once, whoever led then). */
  mined(key: string): Promise<boolean>
  /**
   * Follows every transaction in flight whose subject starts with `prefix` (one step each): for a caller
   * that learns what was done elsewhere (an index of the chain) but must still close its stored
   * transactions, including those a previous leader left.
   */
  follow(prefix: string): Promise<OutboxStep[]>
}

/**
 * The coordinator's one transaction outbox (sign → store → broadcast → follow), used by every on-chain
 * write it makes: settlement, anchoring, challenges. The caller reads the chain first and adopts what the
 * chain already has, so a subject is paid, anchored or finalized once whatever crashes in between.
 */
export function createOutbox({
  store,
  client,
  wallet,
  chainId,
  maxFeePerGasWei,
  logger,
  now = Date.now,
}: OutboxDependencies): Outbox {
  const context = { client, wallet, chainId, maxFeePerGasWei }
  const outbox: Outbox = {
    async mined(key) {
      return (await store.outbox.get(key))?.state === 'mined'
    },
    async follow(prefix) {
      const steps: OutboxStep[] = []
      for (const row of await store.outbox.sending())
        if (row.key.startsWith(prefix))
          steps.push(
            await outbox.step(row.key, {
              build: () => Promise.reject(new Error(`${row.key} has a transaction in flight`)),
            }),
          )
      return steps
    },
    async step(key, { build, onStored }) {
      const row = await store.outbox.get(key)
      if (row?.state === 'sending') {
        const tx = { raw: row.raw_tx as Hex, hash: row.tx_hash as Hex, nonce: row.nonce }
        const followed = await followTx(context, tx)
        if (followed.state === 'mined') {
          await store.outbox.mined(key, Number(followed.receipt.blockNumber))
          return { state: 'mined', tx, receipt: followed.receipt }
        }
        if (followed.state === 'replaced') {
          await store.outbox.replaced(key)
          logger.warn({ key, tx: tx.hash, nonce: tx.nonce }, 'a stored transaction lost its nonce to another')
        }
        return { state: followed.state, tx }
      }
      const call = await build()
      const tx = await signNextTx(context, call)
      await store.transaction(async (ops) => {
        await ops.outbox.put({
          key,
          sender: wallet.address.toLowerCase(),
          raw_tx: tx.raw,
          tx_hash: tx.hash,
          nonce: tx.nonce,
          created_at: now(),
        })
        await onStored?.(ops, tx)
      })
      if (call.log !== undefined)
        logger.info({ ...call.log.fields, tx: tx.hash, nonce: tx.nonce }, call.log.message)
      await broadcastTx(client, tx.raw)
      return { state: 'sent', tx }
    },
  }
  return outbox
}
