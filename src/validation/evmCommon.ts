import type { Common } from '@ethereumjs/common'
import { createCustomCommon, Mainnet } from '@ethereumjs/common'
import type { EngineCrypto, Kzg } from './crypto.ts'
import { ethereumjsHardfork, type Fork } from './forks.ts'

/**
 * An @ethereumjs/common for a chain id and fork whose cryptography is ours (native ECDSA when loaded).
 * EIP-7702 authorities and ECRECOVER go through `EngineCrypto` too.
 */
export function evmCommon(crypto: EngineCrypto, chainId: bigint, fork: Fork): Common {
  const recover = (hash: Uint8Array, recoveryId: number, r: Uint8Array, s: Uint8Array): Uint8Array => {
    const signature = new Uint8Array(64)
    signature.set(r.subarray(Math.max(0, r.length - 32)), 32 - Math.min(32, r.length))
    signature.set(s.subarray(Math.max(0, s.length - 32)), 64 - Math.min(32, s.length))
    const key = crypto.recoverPublicKey(hash, signature, recoveryId)
    if (key === undefined) throw new Error('Invalid signature')
    return key
  }
  return createCustomCommon(
    { chainId: Number(chainId) <= Number.MAX_SAFE_INTEGER ? Number(chainId) : 1 },
    Mainnet,
    {
      hardfork: ethereumjsHardfork(fork),
      customCrypto: {
        kzg: lazyKzg(crypto),
        keccak256: crypto.keccak256,
        sha256: crypto.sha256,
        ecrecover(hash, v, r, s, chainId) {
          let recovery = v
          if (v !== 0n && v !== 1n) recovery = chainId === undefined ? v - 27n : v - (chainId * 2n + 35n)
          if (recovery !== 0n && recovery !== 1n) throw new Error('Invalid signature v value')
          return recover(hash, Number(recovery), r, s).subarray(1)
        },
        ecdsaRecover(signature, recoveryId, hash) {
          return recover(hash, recoveryId, signature.subarray(0, 32), signature.subarray(32, 64))
        },
      },
    },
  )
}

/** KZG for blob transactions and the point-evaluation precompile, loaded only when first called. */
function lazyKzg(crypto: EngineCrypto): Kzg {
  return {
    blobToKzgCommitment: (blob) => crypto.kzg().blobToKzgCommitment(blob),
    computeBlobProof: (blob, commitment) => crypto.kzg().computeBlobProof(blob, commitment),
    verifyProof: (commitment, z, y, proof) => crypto.kzg().verifyProof(commitment, z, y, proof),
    verifyBlobProofBatch: (blobs, commitments, proofs) =>
      crypto.kzg().verifyBlobProofBatch(blobs, commitments, proofs),
    computeCells: (blob) => crypto.kzg().computeCells(blob),
    computeCellsAndProofs: (blob) => crypto.kzg().computeCellsAndProofs(blob),
    recoverCellsAndProofs: (indices, cells) => crypto.kzg().recoverCellsAndProofs(indices, cells),
    verifyCellKzgProofBatch: (commitments, indices, cells, proofs) =>
      crypto.kzg().verifyCellKzgProofBatch(commitments, indices, cells, proofs),
  }
}
