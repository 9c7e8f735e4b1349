import { recoverSealSigner, type SignatureFile } from './sealMessage.ts'
import type { createChecks } from './verification.ts'

/**
 * The last checks of any receipt: the seal's EIP-191 signature recovers to its Signer (`signature`) and, when
 * one is expected, the Signer is that sealing address (`signer`).
 */
export async function checkReceiptSignature(
  c: ReturnType<typeof createChecks>,
  seal: SignatureFile,
  expectedSigner: string | undefined,
): Promise<void> {
  const recovered = await recoverSealSigner(seal)
  c.check(
    'signature',
    recovered === seal.signer,
    'APIARY_RECEIPT_SIGNATURE_INVALID',
    `EIP-191 signature by ${seal.signer}`,
    `the seal's signature ${recovered === undefined ? 'is malformed' : `was made by ${recovered}, not ${seal.signer}`}`,
  )
  if (expectedSigner !== undefined)
    c.check(
      'signer',
      seal.signer === expectedSigner.toLowerCase(),
      'APIARY_RECEIPT_SIGNER_UNEXPECTED',
      `signed by the expected sealing key ${seal.signer}`,
      `signed by ${seal.signer}, expected ${expectedSigner.toLowerCase()}`,
    )
}
