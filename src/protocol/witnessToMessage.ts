import { create } from '@bufbuild/protobuf'
import {
  AccountSchema,
  BlockContextSchema,
  BlockHashSchema,
  StorageSlotSchema,
  type Witness as WitnessMessage,
  WitnessSchema,
} from '../gen/apiary/v1/swarm_pb.js'
import { bigIntToBytes, fromHex, type Witness } from '../validation/index.ts'

/**
 * The protobuf form of a witness (docs/spec/protocol.md). `full` false keeps what L1 needs only: chain id,
 * fork, transaction and block context, without block hashes and prestate.
 */
export function witnessToMessage(witness: Witness, { full }: { full: boolean }): WitnessMessage {
  const b = witness.block
  return create(WitnessSchema, {
    chainId: witness.chainId,
    fork: witness.fork,
    transaction: witness.transaction,
    block: create(BlockContextSchema, {
      number: b.number,
      timestamp: b.timestamp,
      coinbase: b.coinbase,
      gasLimit: b.gasLimit,
      ...(b.baseFeePerGas === undefined ? {} : { baseFeePerGas: bigIntToBytes(b.baseFeePerGas) }),
      difficulty: bigIntToBytes(b.difficulty),
      ...(b.prevRandao === undefined ? {} : { prevRandao: b.prevRandao }),
      ...(b.excessBlobGas === undefined ? {} : { excessBlobGas: b.excessBlobGas }),
      ...(b.parentBeaconBlockRoot === undefined ? {} : { parentBeaconBlockRoot: b.parentBeaconBlockRoot }),
    }),
    blockHashes: full
      ? [...witness.blockHashes].map(([number, hash]) => create(BlockHashSchema, { number, hash }))
      : [],
    prestate: full
      ? [...witness.prestate].map(([address, account]) =>
          create(AccountSchema, {
            address: fromHex(address) ?? new Uint8Array(0),
            balance: bigIntToBytes(account.balance),
            nonce: account.nonce,
            code: account.code,
            ...(account.storageRoot === undefined ? {} : { storageRoot: account.storageRoot }),
            storage: [...account.storage].map(([key, value]) =>
              create(StorageSlotSchema, {
                key: fromHex(key) ?? new Uint8Array(0),
                value: bigIntToBytes(value),
              }),
            ),
          }),
        )
      : [],
  })
}
