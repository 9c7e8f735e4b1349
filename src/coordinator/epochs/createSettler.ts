import { createPublicClient, encodeFunctionData, type Hex, type PublicClient, parseEventLogs } from 'viem'
import { AgentRewardPool, evmChain, rpcTransport } from '../../chain/index.ts'
import { ApiaryError } from '../../internal/errors.ts'
import type { Logger } from '../../internal/logger.ts'
import type { Outbox } from '../outbox/index.ts'
import type { OwedEpoch, Store } from '../store/index.ts'
import { DEFAULT_RETRY, postponeStep, type RetryPolicy } from './postponeStep.ts'
import { recordAgentAmounts } from './recordAgentAmounts.ts'

export interface SettlerDependencies {
  store: Store
  logger: Logger
  rpcUrl: string
  chainId: number
  /** The AgentRewardPool this coordinator settles into (it must be the pool's coordinator). */
  pool: Hex
  /** Signs, stores and sends the settlements with the hot wallet (the pool's coordinator). */
  outbox: Outbox
  /** Backoff after a failed attempt (default 1 s doubling up to 60 s). */
  retry?: RetryPolicy | undefined
  now?: () => number
}

export interface SettlerStatus {
  /** Epochs closed with something to pay that are not settled yet. */
  owed: number
  lastSettled: { epoch: number; txHash: string; block: number } | undefined
  lastError: string | undefined
}

export interface Settler {
  /** Does the next step of the oldest unsettled epoch: sends, re-broadcasts, or records a settlement. */
  tick(): Promise<void>
  status(): SettlerStatus
}

type EpochRow = OwedEpoch

const abi = AgentRewardPool.abi

/**
 * Agents per settlement transaction. A new agent costs about 25,000 gas (a fresh storage slot and its
 * calldata), so a chunk stays near 10 M gas, under EIP-7825's 16,777,216-gas cap per transaction.
 */
export const SETTLEMENT_CHUNK_AGENTS = 400

/**
 * Pays closed epochs into the AgentRewardPool, oldest first, in chunks of at most SETTLEMENT_CHUNK_AGENTS
 * agents (one transaction for most epochs; chunk 0 carries the deposit), so that each is paid exactly once
 * whatever fails:
 * - the signed transaction is stored in the outbox (the epoch `sending`) before it is broadcast, and
 *   re-broadcast as is until it is mined or its nonce is used by something else (then the epoch is owed
 *   again and signed anew);
 * - before sending, the pool's `lastEpoch` is read: an epoch the chain already has is recorded from its
 *   `Settled` event instead of being paid again (the contract also refuses a repeated epoch);
 * - a short hot wallet, a gas price above the cap or an unreachable node leave the epoch `owed`: it is
 *   retried with exponential backoff and paid once possible.
 * The agents credited are recorded from the `Settled` event, so the amounts shown are what the pool credits.
 */
export async function createSettler({
  store,
  logger,
  rpcUrl,
  chainId,
  pool,
  outbox,
  retry: retryOption,
  now = Date.now,
}: SettlerDependencies): Promise<Settler> {
  const retry = retryOption ?? DEFAULT_RETRY
  const client: PublicClient = createPublicClient({
    chain: evmChain(chainId, rpcUrl, 'settlement'),
    transport: rpcTransport(rpcUrl, { retryCount: 0 }),
  })
  let retryAt = 0
  let lastError: string | undefined
  /** What status() reports, as of the last step. */
  let status: Omit<SettlerStatus, 'lastError'> = { owed: 0, lastSettled: undefined }
  const refresh = async () => {
    const last = await store.epochs.lastSettled()
    status = {
      owed: await store.epochs.owedCount(),
      lastSettled:
        last === undefined
          ? undefined
          : { epoch: last.number, txHash: last.tx_hash ?? '', block: last.settled_block ?? 0 },
    }
  }
  await refresh()

  /** Wallet → weight of an epoch (agents sharing a wallet add up); only wallets with weight. */
  const listing = async (epoch: number) => {
    const weights = new Map<string, bigint>()
    for (const row of await store.epochs.weights(epoch)) {
      const w = BigInt(row.weight)
      if (w > 0n) weights.set(row.wallet, (weights.get(row.wallet) ?? 0n) + w)
    }
    return weights
  }

  /** Records a settlement from its `Settled` event: the epoch is paid and each agent's amount is exact. */
  const record = async (epoch: number, txHash: string, block: bigint, credited: Map<string, bigint>) => {
    await store.transaction(async (ops) => {
      await recordAgentAmounts(ops, epoch, credited)
      await ops.epochs.settled(epoch, { hash: txHash, block: Number(block), at: now() })
    })
    retryAt = 0
    lastError = undefined
    logger.info({ epoch, tx: txHash, block: Number(block) }, 'epoch settled on-chain')
  }

  /**
   * The chain has settled the epoch (this coordinator's last chunk, a transaction it lost track of, or the
   * retry of one): its credits are the sum of its `Credited` events, its transaction the `Settled` one's.
   */
  const adopt = async (row: EpochRow) => {
    const range = {
      address: pool,
      abi,
      args: { epoch: BigInt(row.number) },
      fromBlock: BigInt(row.end_block ?? 0),
      toBlock: 'latest',
    } as const
    const [settled] = await client.getContractEvents({ ...range, eventName: 'Settled' })
    if (settled === undefined)
      throw new ApiaryError(
        'APIARY_SETTLEMENT_CONFLICT',
        `the pool ${pool} is past epoch ${row.number}, but has no Settled event for it: is another coordinator settling into it?`,
      )
    const credited = new Map<string, bigint>()
    for (const log of await client.getContractEvents({ ...range, eventName: 'Credited' })) {
      const { agents, amounts } = log.args as { agents: readonly Hex[]; amounts: readonly bigint[] }
      agents.forEach((agent, i) => {
        const key = agent.toLowerCase()
        credited.set(key, (credited.get(key) ?? 0n) + (amounts[i] ?? 0n))
      })
    }
    await record(row.number, settled.transactionHash, settled.blockNumber, credited)
  }

  /** The call of chunk `chunk` of the epoch's settlement: its slice of the listing, the deposit with chunk 0. */
  const settleCall = async (row: EpochRow, chunk: number) => {
    const weights = await listing(row.number)
    const total = [...weights.values()].reduce((a, b) => a + b, 0n)
    const slice = [...weights].slice(chunk * SETTLEMENT_CHUNK_AGENTS, (chunk + 1) * SETTLEMENT_CHUNK_AGENTS)
    const agents = slice.map(([wallet]) => wallet as Hex)
    const value = chunk === 0 ? BigInt(row.deposit_wei) : 0n
    const data = encodeFunctionData({
      abi,
      functionName: 'settle',
      args: [BigInt(row.number), chunk, total, agents, slice.map(([, w]) => w)],
    })
    logger.info(
      { epoch: row.number, chunk, agents: agents.length, value: value.toString() },
      'settling an epoch',
    )
    return { to: pool, data, value, what: `epoch ${row.number}` }
  }

  /** The next chunk to send, from the pool's progress (0 when it is settling nothing). */
  const nextChunk = async (row: EpochRow) => {
    const [epoch, chunk] = await client.readContract({ address: pool, abi, functionName: 'settling' })
    if (epoch !== 0n && epoch !== BigInt(row.number))
      throw new ApiaryError(
        'APIARY_SETTLEMENT_CONFLICT',
        `the pool ${pool} is settling epoch ${epoch}, not ${row.number}: is another coordinator settling into it?`,
      )
    return epoch === 0n ? 0 : chunk
  }

  /** One outbox step of the epoch's settlement: send the next chunk, or follow the one in flight. */
  const step = async (row: EpochRow) => {
    const sent = await outbox.step(`settle:${row.number}`, {
      build: async () => settleCall(row, await nextChunk(row)),
      onStored: (ops, tx) => ops.epochs.sending(row.number, tx.hash),
    })
    if (sent.state === 'replaced')
      // Its nonce went to another transaction and the pool does not have the epoch: sign it again.
      await store.epochs.owe(row.number, `nonce ${sent.tx.nonce} was used by another transaction`)
    if (sent.state !== 'mined') return
    const { receipt } = sent
    if (receipt.status !== 'success') {
      await store.epochs.owe(row.number, `settlement ${sent.tx.hash} reverted`)
      throw new ApiaryError('APIARY_SETTLEMENT_REVERTED', `the settlement of epoch ${row.number} reverted`, {
        retryable: true,
      })
    }
    // The last chunk settles the epoch; after any other the next chunk is sent from the pool's progress.
    const [settled] = parseEventLogs({ abi, logs: receipt.logs, eventName: 'Settled' })
    if (settled !== undefined) await adopt(row)
    else await store.epochs.owe(row.number, null)
  }

  return {
    async tick() {
      const row = await store.epochs.nextOwed()
      if (row === undefined || now() < retryAt) return
      try {
        const onChain = await client.readContract({ address: pool, abi, functionName: 'lastEpoch' })
        if (onChain >= BigInt(row.number)) await adopt(row)
        else await step(row)
      } catch (error) {
        ;({ message: lastError, retryAt } = postponeStep(error, {
          attempts: row.attempts,
          retry,
          rpcUrl,
          now: now(),
        }))
        await store.epochs.settlementFailed(row.number, lastError)
        logger.warn({ epoch: row.number, err: lastError, retryInMs: retryAt - now() }, 'settlement postponed')
      } finally {
        await refresh()
      }
    },
    status: () => ({ ...status, lastError }),
  }
}
