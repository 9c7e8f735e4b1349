import { type Hex, toHex } from './bytes.ts'
import type { EngineCrypto } from './crypto.ts'
import { decodeTransaction } from './decodeTransaction.ts'
import { type Rejection, toRejection, ValidationFailure } from './failure.ts'
import { type Fork, forkAtLeast, LATEST_FORK } from './forks.ts'
import { intrinsicGas } from './intrinsicGas.ts'
import { recoverSigner, SECP256K1_N } from './recoverSigner.ts'
import type { DecodedTransaction } from './transaction.ts'

export interface ValidateEnvelopeContext {
  crypto: EngineCrypto
}

export interface ValidateEnvelopeParameters {
  raw: Uint8Array
  /** The chain the transaction must be signed for; any chain when omitted. */
  chainId?: bigint | undefined
  /** The fork whose rules apply (transaction types, EIP-2 low-s, gas schedule). Default: the latest. */
  fork?: Fork | undefined
  /** Refuse legacy transactions without replay protection (v = 27/28). Default false, as the protocol does. */
  requireReplayProtection?: boolean | undefined
}

export interface EnvelopeAccepted {
  valid: true
  level: 'L1'
  hash: Hex
  sender: Hex
  /** Uncompressed (65-byte) public key of the sender. */
  senderPublicKey: Uint8Array
  type: DecodedTransaction['type']
  chainId: bigint | undefined
  intrinsicGas: bigint
  floorGas: bigint
  tx: DecodedTransaction
}

export interface EnvelopeRejected {
  valid: false
  level: 'L1'
  /** Present whenever the bytes were at least hashable. */
  hash: Hex | undefined
  reason: Rejection
}

export type EnvelopeVerdict = EnvelopeAccepted | EnvelopeRejected

/**
 * L1: decodes the envelope, checks every field and the signature, recovers the sender by ECDSA recovery,
 * and computes the hash and intrinsic gas. Never throws for bad input: every rejection is a verdict.
 */
export function validateEnvelope(
  ctx: ValidateEnvelopeContext,
  params: ValidateEnvelopeParameters,
): EnvelopeVerdict {
  const fork = params.fork ?? LATEST_FORK
  let hash: Hex | undefined
  try {
    const tx = decodeTransaction({ raw: params.raw, fork })
    hash = toHex(ctx.crypto.keccak256(tx.canonical))
    checkSignatureRules(tx, fork, params)
    const signer = recoverSigner(ctx.crypto, {
      payload: tx.signingPayload,
      r: tx.r,
      s: tx.s,
      recoveryId: tx.type === 0 ? legacyRecoveryId(tx) : Number(tx.v),
    })
    if (signer === undefined) {
      throw new ValidationFailure(
        'TX_SIGNATURE_RECOVERY_FAILED',
        'no public key recovers from this signature',
      )
    }
    if (tx.blobWrapper !== undefined) checkBlobWrapper(ctx, tx)
    const gas = intrinsicGas(tx, fork)
    return {
      valid: true,
      level: 'L1',
      hash,
      sender: toHex(signer.address),
      senderPublicKey: signer.publicKey,
      type: tx.type,
      chainId: tx.chainId,
      intrinsicGas: gas.intrinsicGas,
      floorGas: gas.floorGas,
      tx,
    }
  } catch (error) {
    return { valid: false, level: 'L1', hash, reason: toRejection(error) }
  }
}

function legacyRecoveryId(tx: DecodedTransaction): number {
  return tx.chainId === undefined ? Number(tx.v - 27n) : Number((tx.v - 35n) & 1n)
}

function checkSignatureRules(tx: DecodedTransaction, fork: Fork, params: ValidateEnvelopeParameters): void {
  if (tx.type === 0) {
    if (tx.chainId === undefined && params.requireReplayProtection === true) {
      throw new ValidationFailure(
        'TX_UNPROTECTED_NOT_ALLOWED',
        'the transaction has no EIP-155 replay protection',
      )
    }
    if (tx.chainId !== undefined && !forkAtLeast(fork, 'spuriousDragon')) {
      throw new ValidationFailure(
        'TX_SIGNATURE_V_INVALID',
        `EIP-155 v values are not valid before spuriousDragon`,
        {
          v: tx.v.toString(),
        },
      )
    }
  }
  if (params.chainId !== undefined && tx.chainId !== undefined && tx.chainId !== params.chainId) {
    throw new ValidationFailure(
      'TX_CHAIN_ID_MISMATCH',
      `signed for chain ${tx.chainId}, expected ${params.chainId}`,
      {
        chainId: tx.chainId.toString(),
        expected: params.chainId.toString(),
      },
    )
  }
  if (tx.r === 0n || tx.r >= SECP256K1_N) {
    throw new ValidationFailure('TX_SIGNATURE_R_INVALID', 'r must be in [1, n-1]')
  }
  if (tx.s === 0n || tx.s >= SECP256K1_N) {
    throw new ValidationFailure('TX_SIGNATURE_S_INVALID', 's must be in [1, n-1]')
  }
  if (forkAtLeast(fork, 'homestead') && tx.s > SECP256K1_N >> 1n) {
    throw new ValidationFailure('TX_SIGNATURE_HIGH_S', 's must be at most n/2 (EIP-2)')
  }
}

function checkBlobWrapper(ctx: ValidateEnvelopeContext, tx: DecodedTransaction): void {
  const wrapper = tx.blobWrapper
  if (wrapper === undefined) return
  const count = tx.blobVersionedHashes.length
  const proofsPerBlob = wrapper.version === 0 ? 1 : 128
  const fail = (message: string): never => {
    throw new ValidationFailure('TX_BLOB_WRAPPER_INVALID', message, { blobs: count })
  }
  if (wrapper.blobs.length !== count || wrapper.commitments.length !== count) {
    fail(
      `the wrapper holds ${wrapper.blobs.length} blobs and ${wrapper.commitments.length} commitments for ${count} hashes`,
    )
  }
  if (wrapper.proofs.length !== count * proofsPerBlob)
    fail(`the wrapper holds ${wrapper.proofs.length} proofs`)
  wrapper.blobs.forEach((blob, i) => {
    if (blob.length !== 131072) fail(`blob ${i} is ${blob.length} bytes, not 131072`)
  })
  wrapper.proofs.forEach((proof, i) => {
    if (proof.length !== 48) fail(`proof ${i} is ${proof.length} bytes, not 48`)
  })
  wrapper.commitments.forEach((commitment, i) => {
    if (commitment.length !== 48) fail(`commitment ${i} is ${commitment.length} bytes, not 48`)
    const versioned = ctx.crypto.sha256(commitment)
    versioned[0] = 0x01
    const expected = tx.blobVersionedHashes[i] as Uint8Array
    if (toHex(versioned) !== toHex(expected)) fail(`commitment ${i} does not match blob versioned hash ${i}`)
  })
  const kzg = ctx.crypto.kzg()
  const blobs = wrapper.blobs.map(toHex)
  const commitments = wrapper.commitments.map(toHex)
  const proofs = wrapper.proofs.map(toHex)
  let verified: boolean
  try {
    if (wrapper.version === 0) verified = kzg.verifyBlobProofBatch(blobs, commitments, proofs)
    else {
      const cells = blobs.flatMap((blob) => kzg.computeCells(blob))
      const indices = blobs.flatMap(() => Array.from({ length: 128 }, (_, i) => i))
      const perCell = commitments.flatMap((c) => Array.from({ length: 128 }, () => c))
      verified = kzg.verifyCellKzgProofBatch(perCell, indices, cells, proofs)
    }
  } catch {
    verified = false
  }
  if (!verified) fail('the KZG proofs do not verify the blobs against their commitments')
}
