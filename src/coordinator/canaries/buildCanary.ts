import { type Hex, keccak256, serializeTransaction, type TransactionSerializable } from 'viem'
import type { PrestateAccount } from '../../chain/index.ts'
import { type CanaryVariant, canaryKey } from '../../epoch/index.ts'
import { type EngineCrypto, fromHex, toHex } from '../../validation/index.ts'

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
  /** Its valid form (the same object when the break is in the account, or none). */
  valid: Record<string, unknown>
  /** Accounts to put in place of the template's sender when it is executed. */
  sender: { address: string; account: PrestateAccount }
}

const q = (value: bigint) => `0x${value.toString(16)}`
const big = (value: unknown) => BigInt((value as string | undefined) ?? 0)

/**
 * A transaction like the template (same type, recipient, value, data, gas and fees), sent by canary
 * `index`'s key from an account with the template sender's balance and nonce, and broken as `variant` asks
 * where the break is in the transaction (signature, chain id, a nonce above the account's, a fee under the
 * base fee); `valid` is its valid form, which gives it its prestate. Breaks in the sender's account (nonce
 * too low, balance too small) are made in that prestate by `breakAccount`. Undefined when the template
 * cannot make one (blob and set-code transactions, a fee break without a base fee).
 */
export function buildCanaryTransaction(
  crypto: EngineCrypto,
  template: CanaryTemplate,
  seed: Uint8Array,
  index: number,
  variant: CanaryVariant,
): BuiltCanaryTransaction | undefined {
  const { tx, chainId } = template
  const type = Number(big(tx.type))
  if (type > 2) return undefined
  const original = template.prestate[String(tx.from).toLowerCase()]
  if (original === undefined) return undefined
  if (variant === 'fee-too-low' && (template.baseFeePerGas === undefined || template.baseFeePerGas < 2n))
    return undefined
  const key = fromHex(canaryKey(seed, index)) as Uint8Array
  const fields = {
    type,
    chainId,
    nonce: big(tx.nonce),
    maxFee: type === 2 ? big(tx.maxFeePerGas) : big(tx.gasPrice),
    priority: type === 2 ? big(tx.maxPriorityFeePerGas) : big(tx.gasPrice),
    to: (tx.to ?? null) as Hex | null,
    value: big(tx.value),
    data: (tx.input ?? tx.data ?? '0x') as Hex,
    gas: big(tx.gas),
    accessList: (tx.accessList ?? []) as { address: Hex; storageKeys: Hex[] }[],
  }
  const valid = signCanary(crypto, fields, key)
  const address = valid.address
  const sender = { address, account: { ...original } }
  switch (variant) {
    case 'valid':
    case 'nonce-too-low':
    case 'insufficient-balance':
      return { tx: valid.tx, valid: valid.tx, sender }
    case 'bad-signature':
      // The other signature of the same key and message: valid before Homestead, refused since (EIP-2).
      return {
        tx: assemble(fields, address, { r: valid.r, s: N - valid.s, yParity: 1 - valid.yParity }),
        valid: valid.tx,
        sender,
      }
    case 'wrong-chain-id':
      return {
        tx: signCanary(crypto, { ...fields, chainId: chainId + 1n }, key).tx,
        valid: valid.tx,
        sender,
      }
    case 'nonce-too-high':
      return {
        tx: signCanary(crypto, { ...fields, nonce: fields.nonce + 1n }, key).tx,
        valid: valid.tx,
        sender,
      }
    case 'fee-too-low': {
      const maxFee = (template.baseFeePerGas as bigint) - 1n
      const priority = fields.priority > maxFee ? maxFee : fields.priority
      return {
        tx: signCanary(crypto, { ...fields, maxFee, priority }, key).tx,
        valid: valid.tx,
        sender,
      }
    }
  }
}

type CanaryFields = {
  type: number
  chainId: bigint
  nonce: bigint
  maxFee: bigint
  priority: bigint
  to: Hex | null
  value: bigint
  data: Hex
  gas: bigint
  accessList: { address: Hex; storageKeys: Hex[] }[]
}
type Signature = { r: bigint; s: bigint; yParity: number }

function unsignedOf(f: CanaryFields): TransactionSerializable {
  const common = {
    to: f.to,
    value: f.value,
    data: f.data,
    gas: f.gas,
    nonce: Number(f.nonce),
    chainId: Number(f.chainId),
  }
  return f.type === 0
    ? { ...common, type: 'legacy', gasPrice: f.maxFee }
    : f.type === 1
      ? { ...common, type: 'eip2930', gasPrice: f.maxFee, accessList: f.accessList }
      : {
          ...common,
          type: 'eip1559',
          maxFeePerGas: f.maxFee,
          maxPriorityFeePerGas: f.priority,
          accessList: f.accessList,
        }
}

/** Signs a canary's payload; its sender is recovered from the signature (one native recovery). */
function signCanary(crypto: EngineCrypto, f: CanaryFields, key: Uint8Array) {
  const hash = crypto.keccak256(fromHex(serializeTransaction(unsignedOf(f))) as Uint8Array)
  const { signature, recoveryId } = crypto.sign(hash, key)
  const sig = {
    r: BigInt(toHex(signature.subarray(0, 32))),
    s: BigInt(toHex(signature.subarray(32))),
    yParity: recoveryId,
  }
  const publicKey = crypto.recoverPublicKey(hash, signature, recoveryId) as Uint8Array
  const address = toHex(crypto.keccak256(publicKey.subarray(1)).subarray(12))
  return { ...sig, address, tx: assemble(f, address, sig) }
}

/** The signed transaction in JSON-RPC form (what buildWitness encodes), with its hash and `from`. */
function assemble(f: CanaryFields, address: string, { r, s, yParity }: Signature): Record<string, unknown> {
  const v = f.type === 0 ? BigInt(yParity) + 35n + f.chainId * 2n : BigInt(yParity)
  const raw = serializeTransaction(unsignedOf(f), {
    r: q(r) as Hex,
    s: q(s) as Hex,
    yParity,
    ...(f.type === 0 ? { v } : {}),
  })
  return {
    type: q(BigInt(f.type)),
    chainId: q(f.chainId),
    nonce: q(f.nonce),
    to: f.to,
    value: q(f.value),
    input: f.data,
    gas: q(f.gas),
    ...(f.type === 2
      ? { maxFeePerGas: q(f.maxFee), maxPriorityFeePerGas: q(f.priority) }
      : { gasPrice: q(f.maxFee) }),
    ...(f.type === 0 ? {} : { accessList: f.accessList, yParity: q(BigInt(yParity)) }),
    v: q(v),
    r: q(r),
    s: q(s),
    from: address,
    hash: keccak256(raw),
  }
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
