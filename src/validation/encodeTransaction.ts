import { RLP } from '@ethereumjs/rlp'
import { bigIntToBytes, concatBytes } from './bytes.ts'
import type { TransactionFields } from './transaction.ts'

type Fields = TransactionFields

/** Canonical signed encoding of a transaction (legacy RLP or typed envelope), the inverse of `decodeTransaction`. */
export function encodeTransaction(tx: Fields): Uint8Array {
  const n = bigIntToBytes
  const to = tx.to ?? new Uint8Array(0)
  const accessList = tx.accessList.map((e) => [e.address, e.storageKeys])
  const signature = [n(tx.v), n(tx.r), n(tx.s)]
  switch (tx.type) {
    case 0:
      return RLP.encode([
        n(tx.nonce),
        n(tx.maxFeePerGas),
        n(tx.gasLimit),
        to,
        n(tx.value),
        tx.data,
        ...signature,
      ])
    case 1:
      return typed(1, [
        n(tx.chainId ?? 0n),
        n(tx.nonce),
        n(tx.maxFeePerGas),
        n(tx.gasLimit),
        to,
        n(tx.value),
        tx.data,
        accessList,
        ...signature,
      ])
    case 2:
      return typed(2, [...feeFields(tx), to, n(tx.value), tx.data, accessList, ...signature])
    case 3:
      return typed(3, [
        ...feeFields(tx),
        to,
        n(tx.value),
        tx.data,
        accessList,
        n(tx.maxFeePerBlobGas),
        tx.blobVersionedHashes,
        ...signature,
      ])
    case 4: {
      const auths = tx.authorizationList.map((a) => [
        n(a.chainId),
        a.address,
        n(a.nonce),
        n(a.yParity),
        n(a.r),
        n(a.s),
      ])
      return typed(4, [...feeFields(tx), to, n(tx.value), tx.data, accessList, auths, ...signature])
    }
  }
}

function feeFields(tx: Fields): Uint8Array[] {
  return [tx.chainId ?? 0n, tx.nonce, tx.maxPriorityFeePerGas, tx.maxFeePerGas, tx.gasLimit].map(
    bigIntToBytes,
  )
}

function typed(type: number, fields: Parameters<typeof RLP.encode>[0]): Uint8Array {
  return concatBytes(Uint8Array.of(type), RLP.encode(fields))
}
