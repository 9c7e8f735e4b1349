import { recoverMessageAddress } from 'viem'
import { type WalletBinding, walletBindingMessage } from '../../protocol/index.ts'

export interface VerifyWalletBindingParameters extends WalletBinding {
  signature: `0x${string}`
  /** The verifier's clock, unix seconds. */
  now: bigint
  /** Largest accepted distance between `signedAt` and `now`; default 600 s. */
  maxSkewSeconds?: bigint
}

export type VerifyWalletBindingReturnType =
  | { ok: true }
  | { ok: false; reason: 'STALE' | 'BAD_SIGNATURE' | 'WRONG_SIGNER' }

/** Checks that `wallet` signed the binding message for this agent and chain, recently. */
export async function verifyWalletBinding(
  params: VerifyWalletBindingParameters,
): Promise<VerifyWalletBindingReturnType> {
  const skew = params.now > params.signedAt ? params.now - params.signedAt : params.signedAt - params.now
  if (skew > (params.maxSkewSeconds ?? 600n)) return { ok: false, reason: 'STALE' }
  let signer: string
  try {
    signer = await recoverMessageAddress({
      message: walletBindingMessage(params),
      signature: params.signature,
    })
  } catch {
    return { ok: false, reason: 'BAD_SIGNATURE' }
  }
  return signer.toLowerCase() === params.wallet.toLowerCase()
    ? { ok: true }
    : { ok: false, reason: 'WRONG_SIGNER' }
}
