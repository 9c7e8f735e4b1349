import { type Hex, keccak256, serializeTransaction, type TransactionSerializable } from 'viem'
import { privateKeyToAddress, sign } from 'viem/accounts'
import type { PrestateAccount } from '../../chain/index.ts'
import { canaryKey } from '../../epoch/index.ts'

/**
 * What a canary is built to be: `valid`, or broken in one of the ways the engine checks. The expected answer
 * is always the engine's (a `nonce-too-high` canary is valid at L1, which does not read the nonce).
 */
export const CANARY_VARIANTS = [
  'valid',
  'bad-signature',
  'wrong-chain-id',
  'nonce-too-low',
  'nonce-too-high',
  'fee-too-low',
  'insufficient-balance',
] as const
export type CanaryVariant = (typeof CANARY_VARIANTS)[number]

/**
 * How variants are drawn: the breaks L1 can see (signature, chain id) twice as often as the others, so that
 * 4 in 9 canaries are invalid at L1 and 8 in 9 at L2 and L3 (docs/rewards.md#canaries).
 */
export const CANARY_DRAW: readonly CanaryVariant[] = [
  'valid',
  'bad-signature',
  'bad-signature',
  'wrong-chain-id',
  'wrong-chain-id',
  'nonce-too-low',
  'nonce-too-high',
  'fee-too-low',
  'insufficient-balance',
]

/** secp256k1's group order: a signature's s above n/2 is refused since Homestead (EIP-2). */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

export interface CanaryTemplate {
  /** A pending transaction as JSON-RPC gives it (types 0–2 make canaries; others are passed over). */
  tx: Record<string, unknown>
  /** Its prestate in the candidate block, with its sender's account. */
  prestate: Record<string, PrestateAccount>
  baseFeePerGas: bigint | undefined
  chainId: bigint
}

export interface BuiltCanaryTransaction {
  /** The signed canary in JSON-RPC form (what buildWitness encodes), with `from` the canary address. */
  tx: Record<string, unknown>
  /** Accounts to put in place of the template's sender when it is executed. */
  sender: { address: string; account: PrestateAccount }
}

const q = (value: bigint) => `0x${value.toString(16)}`
const big = (value: unknown) => BigInt((value as string | undefined) ?? 0)

/**
 * A transaction like the template (same type, recipient, value, data, gas and fees), sent by canary
 * `index`'s key from an account with the template sender's balance and nonce, and broken as `variant` asks
 * where the break is in the transaction (signature, chain id, a nonce above the account's, a fee under the
 * base fee). Breaks in the sender's account (nonce too low, balance too small) are made in the prestate by
 * `breakAccount`, after execution has given the canary its full prestate. Undefined when the template cannot
 * make one (blob and set-code transactions, a variant the template does not allow).
 */
export async function buildCanaryTransaction(
  template: CanaryTemplate,
  seed: Uint8Array,
  index: number,
  variant: CanaryVariant,
): Promise<BuiltCanaryTransaction | undefined> {
  const { tx, chainId } = template
  const type = Number(big(tx.type))
  if (type > 2) return undefined
  const original = template.prestate[String(tx.from).toLowerCase()]
  if (original === undefined) return undefined
  const key = canaryKey(seed, index)
  const address = privateKeyToAddress(key).toLowerCase()
  let nonce = big(tx.nonce)
  let maxFee = type === 2 ? big(tx.maxFeePerGas) : big(tx.gasPrice)
  let priority = type === 2 ? big(tx.maxPriorityFeePerGas) : maxFee
  if (variant === 'nonce-too-high') nonce += 1n
  if (variant === 'fee-too-low') {
    if (template.baseFeePerGas === undefined || template.baseFeePerGas < 2n) return undefined
    maxFee = template.baseFeePerGas - 1n
    if (priority > maxFee) priority = maxFee
  }
  const signedFor = variant === 'wrong-chain-id' ? chainId + 1n : chainId
  const common = {
    to: (tx.to ?? null) as Hex | null,
    value: big(tx.value),
    data: (tx.input ?? tx.data ?? '0x') as Hex,
    gas: big(tx.gas),
    nonce: Number(nonce),
  }
  const accessList = (tx.accessList ?? []) as { address: Hex; storageKeys: Hex[] }[]
  const unsigned: TransactionSerializable =
    type === 0
      ? { ...common, type: 'legacy', gasPrice: maxFee, chainId: Number(signedFor) }
      : type === 1
        ? { ...common, type: 'eip2930', gasPrice: maxFee, chainId: Number(signedFor), accessList }
        : {
            ...common,
            type: 'eip1559',
            maxFeePerGas: maxFee,
            maxPriorityFeePerGas: priority,
            chainId: Number(signedFor),
            accessList,
          }
  const signature = await sign({ hash: keccak256(serializeTransaction(unsigned)), privateKey: key })
  const r = BigInt(signature.r)
  let s = BigInt(signature.s)
  let yParity = signature.yParity ?? 0
  if (variant === 'bad-signature') {
    // The other signature of the same key and message: valid before Homestead, refused since (EIP-2).
    s = N - s
    yParity = 1 - yParity
  }
  const v = type === 0 ? BigInt(yParity) + 35n + signedFor * 2n : BigInt(yParity)
  const rpc: Record<string, unknown> = {
    type: q(BigInt(type)),
    chainId: q(signedFor),
    nonce: q(nonce),
    to: common.to,
    value: q(common.value),
    input: common.data,
    gas: q(common.gas),
    ...(type === 2
      ? { maxFeePerGas: q(maxFee), maxPriorityFeePerGas: q(priority) }
      : { gasPrice: q(maxFee) }),
    ...(type === 0 ? {} : { accessList, yParity: q(BigInt(yParity)) }),
    v: q(v),
    r: q(r),
    s: q(s),
    from: address,
  }
  const raw = serializeTransaction(unsigned, {
    r: q(r) as Hex,
    s: q(s) as Hex,
    yParity,
    ...(type === 0 ? { v } : {}),
  })
  rpc.hash = keccak256(raw)
  return { tx: rpc, sender: { address, account: { ...original } } }
}

/**
 * The account breaks of a canary, made in its prestate (the sender's entry, which execution of the valid
 * form filled in): a nonce above the transaction's, or a balance one wei short of gas × fee + value.
 */
export function breakAccount(
  variant: CanaryVariant,
  tx: Record<string, unknown>,
  prestate: Record<string, PrestateAccount>,
): Record<string, PrestateAccount> {
  const address = String(tx.from).toLowerCase()
  const account = prestate[address]
  if (account === undefined) return prestate
  const type = Number(big(tx.type))
  if (variant === 'nonce-too-low')
    return { ...prestate, [address]: { ...account, nonce: Number(big(tx.nonce)) + 1 } }
  if (variant === 'insufficient-balance') {
    const fee = type === 2 ? big(tx.maxFeePerGas) : big(tx.gasPrice)
    const needed = big(tx.gas) * fee + big(tx.value)
    return { ...prestate, [address]: { ...account, balance: q(needed - 1n) } }
  }
  return prestate
}
