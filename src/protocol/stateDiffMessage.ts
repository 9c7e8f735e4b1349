import { create } from '@bufbuild/protobuf'
import { RLP } from '@ethereumjs/rlp'
import { keccak_256 } from '@noble/hashes/sha3.js'
import {
  AccountChangeSchema,
  StorageSlotSchema,
  type StreamStateDiffsResponse,
  StreamStateDiffsResponseSchema,
} from '../gen/apiary/v1/swarm_pb.js'
import { ApiaryError } from '../internal/errors.ts'
import { bigIntToBytes, bytesToBigInt, fromHex, toHex } from '../validation/index.ts'

/** What a state diff carries: a block's touched accounts after it (`chain/readBlockDiff`'s BlockDiff). */
export interface StateDiffSource {
  number: bigint
  header: Uint8Array
  hash: string
  parentHash: string
  stateRoot: string
  accounts: Map<
    string,
    { nonce: bigint; balance: bigint; code: Uint8Array; codeChanged?: boolean; storage: Map<string, bigint> }
  >
}

/** One block's state diff as an L4 agent applies it (its store's applyDiff). */
export interface ReceivedStateDiff {
  number: bigint
  /** 0x-hex. */
  hash: string
  parentHash: string
  stateRoot: string
  /**
   * Lower-case 0x address → the account after the block, with the slots the block touched (0: cleared);
   * `code` undefined when the block did not change it.
   */
  accounts: Map<
    string,
    { nonce: bigint; balance: bigint; code?: Uint8Array | undefined; storage: Map<string, bigint> }
  >
}

const bytes = (hex: string) => fromHex(hex) ?? new Uint8Array(0)

/** A block's state diff in protocol form (docs/spec/protocol.md#state-diffs-l4), accounts in address order. */
export function stateDiffToMessage(diff: StateDiffSource): StreamStateDiffsResponse {
  return create(StreamStateDiffsResponseSchema, {
    blockNumber: diff.number,
    blockHash: bytes(diff.hash),
    parentHash: bytes(diff.parentHash),
    stateRoot: bytes(diff.stateRoot),
    header: diff.header,
    changes: [...diff.accounts]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([address, after]) =>
        create(AccountChangeSchema, {
          address: bytes(address),
          balance: bigIntToBytes(after.balance),
          nonce: after.nonce,
          ...(after.codeChanged === true ? { code: after.code } : {}),
          storage: [...after.storage]
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([slot, value]) =>
              create(StorageSlotSchema, { key: bytes(slot), value: bigIntToBytes(value) }),
            ),
        }),
      ),
  })
}

/**
 * Reads a state diff an agent received, trusting none of it that it can check: keccak256(header) must be
 * the block hash, and the header's number, parent hash and state root those the message states; every
 * address 20 bytes, every slot 32, values at most 32 bytes, balance and nonce present. Throws
 * APIARY_STATE_DIFF_INVALID. Whether the parent is the agent's head and the root its own is the store's
 * check (applyDiff).
 */
export function stateDiffFromMessage(message: StreamStateDiffsResponse): ReceivedStateDiff {
  const invalid = (why: string) =>
    new ApiaryError('APIARY_STATE_DIFF_INVALID', `the diff of block ${message.blockNumber}: ${why}`)
  if (!equal(keccak_256(message.header), message.blockHash))
    throw invalid('its header does not hash to its block hash')
  let fields: Uint8Array[]
  try {
    fields = RLP.decode(message.header) as Uint8Array[]
  } catch {
    throw invalid('its header is not RLP')
  }
  if (!Array.isArray(fields) || fields.length < 15) throw invalid('its header has too few fields')
  if (!equal(fields[0] as Uint8Array, message.parentHash))
    throw invalid("its header's parent hash is not the one stated")
  if (!equal(fields[3] as Uint8Array, message.stateRoot))
    throw invalid("its header's state root is not the one stated")
  if (bytesToBigInt(fields[8] as Uint8Array) !== message.blockNumber)
    throw invalid("its header's number is not the one stated")
  const accounts: ReceivedStateDiff['accounts'] = new Map()
  for (const change of message.changes) {
    if (change.address.length !== 20) throw invalid('an address is not 20 bytes')
    if (change.balance === undefined || change.nonce === undefined || change.balance.length > 32)
      throw invalid(`account ${toHex(change.address)} lacks its balance or nonce`)
    const storage = new Map<string, bigint>()
    for (const slot of change.storage) {
      if (slot.key.length !== 32 || slot.value.length > 32) throw invalid('a slot or value is not 32 bytes')
      storage.set(toHex(slot.key), bytesToBigInt(slot.value))
    }
    accounts.set(toHex(change.address).toLowerCase(), {
      nonce: change.nonce,
      balance: bytesToBigInt(change.balance),
      code: change.code,
      storage,
    })
  }
  return {
    number: message.blockNumber,
    hash: toHex(message.blockHash),
    parentHash: toHex(message.parentHash),
    stateRoot: toHex(message.stateRoot),
    accounts,
  }
}

const equal = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b))
