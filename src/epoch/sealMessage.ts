import { recoverMessageAddress } from 'viem'

export interface SealFields {
  chainId: number
  epoch: number
  jobRoot: string
  payoutRoot: string
  jobs: number
  distributed: bigint
  /** `sha256:<hex>` of SUMMARY.json, jobs.json and agents.json. */
  summary: string
  jobsFile: string
  agentsFile: string
  sealedAt: string
}

export interface SignatureFile {
  /** The signed text: every line before `---`, joined with \n. */
  message: string
  signer: string
  signature: string
}

const TITLE = 'Apiary epoch seal'

/**
 * The text the sealing key signs with EIP-191 `personal_sign` (docs/spec/bundle.md#signature): fixed lines
 * in a fixed order, `\n` line ends, no trailing newline.
 */
export function formatSealMessage(f: SealFields): string {
  return [
    TITLE,
    'Version: 1',
    `Chain: ${f.chainId}`,
    `Epoch: ${f.epoch}`,
    `Job root: ${f.jobRoot}`,
    `Payout root: ${f.payoutRoot}`,
    `Jobs: ${f.jobs}`,
    `Distributed: ${f.distributed} wei`,
    `SUMMARY.json: ${f.summary}`,
    `jobs.json: ${f.jobsFile}`,
    `agents.json: ${f.agentsFile}`,
    `Sealed: ${f.sealedAt}`,
  ].join('\n')
}

/** SIGNATURE.txt: the message, `---`, then the signer's address and the 65-byte signature. */
export function formatSignatureFile({ message, signer, signature }: SignatureFile): string {
  return `${message}\n---\nSigner: ${signer.toLowerCase()}\nSignature: ${signature}\n`
}

/** Reads SIGNATURE.txt; undefined when it does not have the layout formatSignatureFile writes. */
export function parseSignatureFile(text: string): SignatureFile | undefined {
  const match = /^([\s\S]*)\n---\nSigner: (0x[0-9a-f]{40})\nSignature: (0x[0-9a-f]{130})\n$/.exec(text)
  if (match === null || !(match[1] ?? '').startsWith(`${TITLE}\n`)) return undefined
  return { message: match[1] as string, signer: match[2] as string, signature: match[3] as string }
}

/** The value of one `Name: value` line of a seal message (e.g. `Job root`). */
export function sealField(message: string, name: string): string | undefined {
  for (const line of message.split('\n')) if (line.startsWith(`${name}: `)) return line.slice(name.length + 2)
  return undefined
}

/** Who signed a SIGNATURE.txt's message (lower case), or undefined when the signature is malformed. */
export async function recoverSealSigner({ message, signature }: SignatureFile): Promise<string | undefined> {
  try {
    return (await recoverMessageAddress({ message, signature: signature as `0x${string}` })).toLowerCase()
  } catch {
    return undefined
  }
}
