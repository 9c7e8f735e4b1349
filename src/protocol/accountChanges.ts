import { create } from '@bufbuild/protobuf'
import { type AccountChange, AccountChangeSchema, StorageSlotSchema } from '../gen/apiary/v1/swarm_pb.js'
import { bigIntToBytes, bytesToBigInt, fromHex, type StateDiff, toHex } from '../validation/index.ts'

const bytes = (hex: string) => fromHex(hex) ?? new Uint8Array(0)
const word = (hex: string) => bytes(`0x${BigInt(hex).toString(16).padStart(64, '0')}`)

/**
 * The changed accounts of a go-ethereum prestateTracer diff (`{pre, post}`) in protocol form: an account in
 * `pre` and not in `post` was deleted; otherwise the fields of `post` are its new values and a slot that is
 * in `pre` but not in `post` was cleared to zero. Serves the agent (its own execution) and the coordinator
 * (the node's trace) alike, so both sides mean the same thing.
 */
export function changesFromDiff(diff: StateDiff): AccountChange[] {
  const addresses = [...new Set([...Object.keys(diff.pre), ...Object.keys(diff.post)])]
  return addresses.sort().map((address) => {
    const post = diff.post[address]
    if (post === undefined) return create(AccountChangeSchema, { address: bytes(address), deleted: true })
    const storage = new Map<string, Uint8Array>()
    for (const key of Object.keys(diff.pre[address]?.storage ?? {}))
      storage.set(toHex(word(key)), new Uint8Array(0))
    for (const [key, value] of Object.entries(post.storage ?? {}))
      storage.set(toHex(word(key)), bigIntToBytes(BigInt(value)))
    return create(AccountChangeSchema, {
      address: bytes(address),
      ...(post.balance === undefined ? {} : { balance: bigIntToBytes(BigInt(post.balance)) }),
      ...(post.nonce === undefined ? {} : { nonce: BigInt(post.nonce) }),
      ...(post.code === undefined ? {} : { code: bytes(post.code) }),
      storage: [...storage]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([key, value]) => create(StorageSlotSchema, { key: bytes(key), value })),
    })
  })
}

/**
 * A stable text form of a set of account changes, for comparing an agent's answer with chain truth: order,
 * leading zeros and letter case do not matter; every changed field does.
 */
export function canonicalChanges(changes: readonly AccountChange[]): string {
  const accounts = changes.map((c) => {
    const storage = c.storage
      .map((s) => `${toHex(s.key)}=${bytesToBigInt(s.value).toString(16)}`)
      .sort()
      .join(',')
    return [
      toHex(c.address),
      c.deleted ? 'deleted' : '',
      c.balance === undefined ? '' : `b${bytesToBigInt(c.balance).toString(16)}`,
      c.nonce === undefined ? '' : `n${c.nonce}`,
      c.code === undefined ? '' : `c${toHex(c.code)}`,
      storage,
    ].join('|')
  })
  return accounts.sort().join(';')
}
