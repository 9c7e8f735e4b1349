import type { Witness as WitnessMessage } from '../gen/apiary/v1/swarm_pb.js'
import { ApiaryError } from '../internal/errors.ts'
import { type AccountState, bytesToBigInt, parseFork, toHex, type Witness } from '../validation/index.ts'

const malformed = (message: string) => new ApiaryError('APIARY_TASK_MALFORMED', message)

function sized(bytes: Uint8Array, length: number, what: string): Uint8Array {
  if (bytes.length !== length) throw malformed(`${what} must be ${length} bytes, not ${bytes.length}`)
  return bytes
}

function quantity(bytes: Uint8Array, what: string): bigint {
  if (bytes.length > 32) throw malformed(`${what} is longer than 32 bytes`)
  if (bytes.length > 0 && bytes[0] === 0) throw malformed(`${what} has a leading zero byte`)
  return bytesToBigInt(bytes)
}

/** The engine's witness from its protobuf form; throws APIARY_TASK_MALFORMED for sizes out of range. */
export function witnessFromMessage(message: WitnessMessage): Witness {
  const b = message.block
  if (b === undefined) throw malformed('the witness has no block')
  let fork: Witness['fork']
  try {
    fork = parseFork(message.fork)
  } catch {
    throw malformed(`unknown fork "${message.fork}"`)
  }
  const prestate = new Map<string, AccountState>()
  for (const account of message.prestate) {
    const address = toHex(sized(account.address, 20, 'an account address'))
    if (prestate.has(address)) throw malformed(`account ${address} appears twice`)
    const storage = new Map<string, bigint>()
    for (const slot of account.storage)
      storage.set(toHex(sized(slot.key, 32, 'a storage key')), quantity(slot.value, 'a storage value'))
    prestate.set(address, {
      balance: quantity(account.balance, 'a balance'),
      nonce: account.nonce,
      code: account.code,
      storage,
      ...(account.storageRoot.length === 0
        ? {}
        : { storageRoot: sized(account.storageRoot, 32, 'a storage root') }),
    })
  }
  return {
    version: 1,
    chainId: message.chainId,
    fork,
    transaction: message.transaction,
    block: {
      number: b.number,
      timestamp: b.timestamp,
      coinbase: sized(b.coinbase, 20, 'the coinbase'),
      gasLimit: b.gasLimit,
      baseFeePerGas: b.baseFeePerGas === undefined ? undefined : quantity(b.baseFeePerGas, 'the base fee'),
      difficulty: quantity(b.difficulty, 'the difficulty'),
      prevRandao: b.prevRandao === undefined ? undefined : sized(b.prevRandao, 32, 'prev_randao'),
      excessBlobGas: b.excessBlobGas,
      parentBeaconBlockRoot:
        b.parentBeaconBlockRoot === undefined
          ? undefined
          : sized(b.parentBeaconBlockRoot, 32, 'the parent beacon block root'),
    },
    blockHashes: new Map(message.blockHashes.map((h) => [h.number, sized(h.hash, 32, 'a block hash')])),
    prestate,
  }
}
