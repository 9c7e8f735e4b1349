import { RLP } from '@ethereumjs/rlp'
import { fromHex } from './bytes.ts'
import type { EngineCrypto } from './crypto.ts'
import type { Log } from './executeTransaction.ts'

/** keccak256(rlp([[address, topics, data], …])): the `logs` field of ethereum/tests state tests. */
export function logsHash(crypto: EngineCrypto, logs: readonly Log[]): Uint8Array {
  const bytes = (hex: string) => fromHex(hex) as Uint8Array
  return crypto.keccak256(RLP.encode(logs.map((l) => [bytes(l.address), l.topics.map(bytes), bytes(l.data)])))
}
