import { type Hex, keccak256, type LocalAccount, type PublicClient, type TransactionReceipt } from 'viem'
import { ApiaryError } from '../internal/errors.ts'

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
 * Signs the wallet's next transaction (EIP-1559, tip ≤ 1 gwei, fee ≤ twice the base fee + tip and never
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
      `the wallet ${wallet.address} holds ${balance} wei; ${what} needs ${value + gas * maxFeePerGas}`,
      { retryable: true, hints: [`fund it: apiary fund --amount 1ether ${wallet.address}`] },
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
 * Write-ahead transactions (settlement, anchoring, messenger replies): sign, store, then broadcast; after a
 * crash, follow the stored one. Where a stored transaction is: `mined` (with its receipt), `replaced` (its nonce went to another
 * transaction: sign anew), or `pending` (re-broadcast as is).
 */
export async function followTx(
  { client, wallet }: Pick<WriteAheadContext, 'client' | 'wallet'>,
  sent: SignedTx,
): Promise<{ state: 'mined'; receipt: TransactionReceipt } | { state: 'replaced' | 'pending' }> {
  // The nonce is read before the receipt: a transaction mined between the two reads is then seen as mined,
  // never as replaced (which would sign it again).
  const mined = await client.getTransactionCount({ address: wallet.address, blockTag: 'latest' })
  const receipt = await client.getTransactionReceipt({ hash: sent.hash }).catch(() => undefined)
  if (receipt !== undefined) return { state: 'mined', receipt }
  if (mined > sent.nonce) return { state: 'replaced' }
  await broadcastTx(client, sent.raw)
  return { state: 'pending' }
}
