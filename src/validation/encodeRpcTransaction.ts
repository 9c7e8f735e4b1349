import { fromHex } from './bytes.ts'
import { encodeTransaction } from './encodeTransaction.ts'
import type { TransactionType } from './transaction.ts'

/** A transaction as JSON-RPC's `eth_getTransactionByHash` returns it (quantities as 0x-hex). */
export type RpcTransactionJson = Record<string, unknown>

/**
 * Encodes a transaction from its JSON-RPC form (any type, 0–4) into the signed envelope, for nodes that
 * do not serve raw transactions. The caller should check that the result hashes to the node's `hash`.
 */
export function encodeRpcTransaction(rpc: RpcTransactionJson): Uint8Array {
  const n = (key: string) => BigInt((rpc[key] as string | undefined) ?? 0)
  const bytes = (value: unknown) => fromHex((value as string | undefined) ?? '0x') ?? new Uint8Array(0)
  const type = Number(n('type')) as TransactionType
  const list = <T>(key: string) => (rpc[key] as T[] | undefined) ?? []
  return encodeTransaction({
    type,
    chainId: type === 0 && rpc.chainId === undefined ? undefined : n('chainId'),
    nonce: n('nonce'),
    maxFeePerGas: type >= 2 ? n('maxFeePerGas') : n('gasPrice'),
    maxPriorityFeePerGas: type >= 2 ? n('maxPriorityFeePerGas') : n('gasPrice'),
    gasLimit: n('gas'),
    to: rpc.to === null || rpc.to === undefined ? undefined : bytes(rpc.to),
    value: n('value'),
    data: bytes(rpc.input ?? rpc.data),
    accessList: list<{ address: string; storageKeys: string[] }>('accessList').map((e) => ({
      address: bytes(e.address),
      storageKeys: e.storageKeys.map(bytes),
    })),
    maxFeePerBlobGas: n('maxFeePerBlobGas'),
    blobVersionedHashes: list<string>('blobVersionedHashes').map(bytes),
    authorizationList: list<Record<string, string>>('authorizationList').map((a) => ({
      chainId: BigInt(a.chainId ?? 0),
      address: bytes(a.address),
      nonce: BigInt(a.nonce ?? 0),
      yParity: BigInt(a.yParity ?? a.v ?? 0),
      r: BigInt(a.r ?? 0),
      s: BigInt(a.s ?? 0),
    })),
    v:
      type === 0 ? n('v') : BigInt((rpc.yParity as string | undefined) ?? (rpc.v as string | undefined) ?? 0),
    r: n('r'),
    s: n('s'),
  })
}
