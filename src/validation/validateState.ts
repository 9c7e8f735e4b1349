import { blobBaseFee } from './blobBaseFee.ts'
import { checkStatelessRules } from './checkStatelessRules.ts'
import type { EngineCrypto } from './crypto.ts'
import { type Rejection, toRejection, ValidationFailure } from './failure.ts'
import { forkAtLeast, GAS_PER_BLOB } from './forks.ts'
import { type EnvelopeAccepted, validateEnvelope } from './validateEnvelope.ts'
import type { AccountState, Witness } from './witness.ts'

export interface ValidateStateContext {
  crypto: EngineCrypto
}

export interface ValidateStateParameters {
  witness: Witness
}

export type StateAccepted = Omit<EnvelopeAccepted, 'level'> & { level: 'L2'; upfrontCost: bigint }

export type StateVerdict =
  | StateAccepted
  | {
      valid: false
      level: 'L2'
      hash: `0x${string}` | undefined
      sender: `0x${string}` | undefined
      reason: Rejection
    }

/**
 * L2: L1, then the checks a node runs before executing: intrinsic gas and the EIP-7623 floor, block and
 * per-transaction gas limits, init-code size, fees against the base fee and blob base fee, nonce, sender
 * code (EIP-3607), and balance ≥ gas limit × max fee + value + blob gas × max blob fee.
 */
export function validateState(ctx: ValidateStateContext, { witness }: ValidateStateParameters): StateVerdict {
  const envelope = validateEnvelope(ctx, {
    raw: witness.transaction,
    chainId: witness.chainId,
    fork: witness.fork,
  })
  if (!envelope.valid) return { ...envelope, level: 'L2', sender: undefined }
  try {
    const upfrontCost = checkState(envelope, witness)
    return { ...envelope, level: 'L2', upfrontCost }
  } catch (error) {
    return {
      valid: false,
      level: 'L2',
      hash: envelope.hash,
      sender: envelope.sender,
      reason: toRejection(error),
    }
  }
}

const EMPTY: AccountState = { balance: 0n, nonce: 0n, code: new Uint8Array(0), storage: new Map() }

function checkState(envelope: EnvelopeAccepted, witness: Witness): bigint {
  const { tx } = envelope
  const { fork, block } = witness
  checkStatelessRules(envelope, fork)
  if (tx.gasLimit > block.gasLimit) {
    throw new ValidationFailure(
      'TX_GAS_LIMIT_ABOVE_BLOCK',
      `gas limit ${tx.gasLimit} is above the block's ${block.gasLimit}`,
      {
        gasLimit: tx.gasLimit.toString(),
        blockGasLimit: block.gasLimit.toString(),
      },
    )
  }
  if (forkAtLeast(fork, 'london')) {
    const baseFee = block.baseFeePerGas ?? 0n
    if (tx.maxFeePerGas < baseFee) {
      throw new ValidationFailure(
        'TX_MAX_FEE_BELOW_BASE_FEE',
        `max fee ${tx.maxFeePerGas} is below the base fee ${baseFee}`,
        {
          maxFeePerGas: tx.maxFeePerGas.toString(),
          baseFeePerGas: baseFee.toString(),
        },
      )
    }
  }
  const blobGas = BigInt(tx.blobVersionedHashes.length) * GAS_PER_BLOB
  if (tx.type === 3) {
    const blobFee = blobBaseFee(block, fork) ?? 0n
    if (tx.maxFeePerBlobGas < blobFee) {
      throw new ValidationFailure(
        'TX_BLOB_FEE_BELOW_BASE_FEE',
        `max fee per blob gas ${tx.maxFeePerBlobGas} is below ${blobFee}`,
        {
          maxFeePerBlobGas: tx.maxFeePerBlobGas.toString(),
          blobBaseFee: blobFee.toString(),
        },
      )
    }
  }
  const sender = witness.prestate.get(envelope.sender) ?? EMPTY
  if (tx.nonce < sender.nonce) {
    throw new ValidationFailure(
      'TX_NONCE_TOO_LOW',
      `nonce ${tx.nonce} is below the account nonce ${sender.nonce}`,
      {
        nonce: tx.nonce.toString(),
        accountNonce: sender.nonce.toString(),
      },
    )
  }
  if (tx.nonce > sender.nonce) {
    throw new ValidationFailure(
      'TX_NONCE_TOO_HIGH',
      `nonce ${tx.nonce} is above the account nonce ${sender.nonce}`,
      {
        nonce: tx.nonce.toString(),
        accountNonce: sender.nonce.toString(),
      },
    )
  }
  if (sender.code.length > 0 && !isDelegation(sender.code, witness)) {
    throw new ValidationFailure('TX_SENDER_HAS_CODE', 'the sender has code (EIP-3607)', {
      sender: envelope.sender,
    })
  }
  const upfrontCost = tx.gasLimit * tx.maxFeePerGas + tx.value + blobGas * tx.maxFeePerBlobGas
  if (sender.balance < upfrontCost) {
    throw new ValidationFailure(
      'TX_INSUFFICIENT_FUNDS',
      `balance ${sender.balance} is below the cost ${upfrontCost}`,
      {
        balance: sender.balance.toString(),
        cost: upfrontCost.toString(),
      },
    )
  }
  return upfrontCost
}

function isDelegation(code: Uint8Array, witness: Witness): boolean {
  return (
    forkAtLeast(witness.fork, 'prague') &&
    code.length === 23 &&
    code[0] === 0xef &&
    code[1] === 0x01 &&
    code[2] === 0x00
  )
}
