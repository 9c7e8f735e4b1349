import { sha256Tag } from './buildBundle.ts'
import { parseSignatureFile, recoverSealSigner, sealField } from './sealMessage.ts'

export type CheckSealedFilesReturnType =
  | { ok: true }
  | { ok: false; code: 'APIARY_BUNDLE_DAMAGED'; message: string }

const SEALED = ['SUMMARY.json', 'jobs.json', 'agents.json'] as const

/**
 * Whether a bundle's files are the bytes its seal signed: SIGNATURE.txt is readable, signed by `signer`,
 * and names the sha256 of SUMMARY.json, jobs.json and agents.json as they are. One ECDSA recovery and three
 * hashes: what a server checks before it serves a bundle's files (the full recompute is verifyBundle).
 */
export async function checkSealedFiles(
  files: Readonly<Partial<Record<string, Uint8Array>>>,
  signer: string,
): Promise<CheckSealedFilesReturnType> {
  const damaged = (message: string) => ({ ok: false, code: 'APIARY_BUNDLE_DAMAGED', message }) as const
  const signature = files['SIGNATURE.txt']
  if (signature === undefined) return damaged('SIGNATURE.txt is missing')
  const sig = parseSignatureFile(Buffer.from(signature).toString('utf8'))
  if (sig === undefined) return damaged('SIGNATURE.txt is not in the seal layout')
  if (sig.signer !== signer.toLowerCase() || (await recoverSealSigner(sig)) !== sig.signer)
    return damaged('SIGNATURE.txt is not signed by this coordinator')
  for (const name of SEALED) {
    const bytes = files[name]
    if (bytes === undefined) return damaged(`${name} is missing`)
    if (sealField(sig.message, name) !== sha256Tag(bytes))
      return damaged(`${name} is not the file that was sealed`)
  }
  return { ok: true }
}
