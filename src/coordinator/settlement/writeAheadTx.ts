import { type Hex, keccak256, type LocalAccount, type PublicClient, type TransactionReceipt } from 'viem'
import { redactUrl } from '../../chain/createRpcClient.ts'
import { ApiaryError } from '../../internal/errors.ts'

export interface WriteAheadContext {
  client: PublicClient
  wallet: LocalAccount
  chainId: number
  /** Never pay more than this per gas (wei). */
  maxFeePerGasWei: bigint
}

export interface SignedTx {
  raw: Hex
  hash: Hex
  nonce: number
}

/**
 * Signs the hot wallet's next transaction (EIP-1559, tip ≤ 1 gwei, fee ≤ twice the base fee + tip and never
 * above the cap, gas = estimate + 20 %) without sending it: the caller stores it first (write-ahead), then
 * broadcasts. A base fee above the cap or a wallet that cannot pay are retryable errors.
 */
export async function signNextTx(
  { client, wallet, chainId, maxFeePerGasWei }: WriteAheadContext,
  { to, data, value, what }: { to: Hex; data: Hex; value: bigint; what: string },
): Promise<SignedTx> {
  const block = await client.getBlock({ blockTag: 'latest' })
  const tip = 1_000_000_000n < maxFeePerGasWei ? 1_000_000_000n : maxFeePerGasWei
  const base = block.baseFeePerGas ?? 0n
  if (base + tip > maxFeePerGasWei)
    throw new ApiaryError(
      'APIARY_GAS_PRICE_ABOVE_CAP',
      `the base fee (${base} wei) plus tip is above the cap of ${maxFeePerGasWei} wei per gas`,
      { retryable: true },
    )
  const maxFeePerGas = base * 2n + tip < maxFeePerGasWei ? base * 2n + tip : maxFeePerGasWei
  const estimate = await client.estimateGas({ account: wallet.address, to, data, value })
  const gas = (estimate * 12n) / 10n
  const balance = await client.getBalance({ address: wallet.address })
  if (balance < value + gas * maxFeePerGas)
    throw new ApiaryError(
      'APIARY_HOT_WALLET_SHORT',
      `the hot wallet ${wallet.address} holds ${balance} wei; ${what} needs ${value + gas * maxFeePerGas}`,
      { retryable: true, hints: ['fund it: apiary fund --amount 1ether <hot wallet>'] },
    )
  const nonce = await client.getTransactionCount({ address: wallet.address, blockTag: 'pending' })
  const raw = await wallet.signTransaction({
    type: 'eip1559',
    chainId,
    nonce,
    to,
    data,
    value,
    gas,
    maxFeePerGas,
    maxPriorityFeePerGas: tip,
  })
  return { raw, hash: keccak256(raw), nonce }
}

/** Broadcasts a signed transaction; a node that already has it is not an error. */
export async function broadcastTx(client: PublicClient, raw: Hex): Promise<void> {
  try {
    await client.sendRawTransaction({ serializedTransaction: raw })
  } catch (error) {
    const message = String((error as Error).message).toLowerCase()
    if (!message.includes('already known') && !message.includes('known transaction')) throw error
  }
}

/**
 * Where a stored transaction is: `mined` (with its receipt), `replaced` (its nonce went to another
 * transaction: sign anew), or `pending` (re-broadcast as is).
 */
export async function followTx(
  { client, wallet }: Pick<WriteAheadContext, 'client' | 'wallet'>,
  sent: SignedTx,
): Promise<{ state: 'mined'; receipt: TransactionReceipt } | { state: 'replaced' | 'pending' }> {
  const receipt = await client.getTransactionReceipt({ hash: sent.hash }).catch(() => undefined)
  if (receipt !== undefined) return { state: 'mined', receipt }
  const mined = await client.getTransactionCount({ address: wallet.address, blockTag: 'latest' })
  if (mined > sent.nonce) return { state: 'replaced' }
  await broadcastTx(client, sent.raw)
  return { state: 'pending' }
}

/** Backoff of a failed step: doubles from `baseMs` up to `maxMs`. */
export interface RetryPolicy {
  baseMs: number
  maxMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 1000, maxMs: 60_000 }

/**
 * What a failed step of a row's transaction leaves behind: the message to store and show (an ApiaryError's
 * own, else the first line with the redacted node URL) and when to try again after `attempts` earlier ones.
 */
export function postponeStep(
  error: unknown,
  { attempts, retry, rpcUrl, now }: { attempts: number; retry: RetryPolicy; rpcUrl: string; now: number },
): { message: string; retryAt: number } {
  const e = error as Error
  return {
    message: e instanceof ApiaryError ? e.message : `${e.message.split('\n')[0]} (${redactUrl(rpcUrl)})`,
    retryAt: now + Math.min(retry.maxMs, retry.baseMs * 2 ** Math.min(attempts, 16)),
  }
}
