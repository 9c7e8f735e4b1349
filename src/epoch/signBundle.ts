import type { LocalAccount } from 'viem'
import type { UnsignedBundle } from './buildBundle.ts'
import { formatSignatureFile } from './sealMessage.ts'

export interface Bundle extends Omit<UnsignedBundle, 'files'> {
  files: UnsignedBundle['files'] & { 'SIGNATURE.txt': Uint8Array }
  signature: `0x${string}`
}

/**
 * Signs the seal message with the coordinator's sealing key (EIP-191 `personal_sign`; secp256k1 signatures
 * are deterministic, RFC 6979, so signing the same bundle again gives the same bytes) and adds SIGNATURE.txt.
 */
export async function signBundle(bundle: UnsignedBundle, signer: LocalAccount): Promise<Bundle> {
  const signature = await signer.signMessage({ message: bundle.message })
  const text = formatSignatureFile({ message: bundle.message, signer: signer.address, signature })
  return {
    ...bundle,
    signature,
    files: { ...bundle.files, 'SIGNATURE.txt': new TextEncoder().encode(text) },
  }
}
