import type { Hex } from 'viem'
import type { VerificationCheck } from '../../epoch/index.ts'
import { type Anchor, readAnchor } from './readAnchor.ts'

export interface ExpectedAnchor {
  registry: Hex
  epoch: number
  jobRoot: string
  /** Undefined: not checked (a receipt does not carry it). */
  payoutRoot?: string | undefined
  cid?: string | undefined
  deposit?: bigint | undefined
  signer?: string | undefined
}

/**
 * The `anchor` check of a verification: the registry's `Sealed` event for the epoch must exist and name the
 * same job root (and payout root, CID and deposit when known), sent by the bundle's signer.
 */
export async function checkAnchor(
  rpcUrl: string,
  expected: ExpectedAnchor,
  /** How the Sealed event is read; a server passes a cached reader. */
  read: (registry: Hex, epoch: number) => Promise<Anchor | undefined> = (registry, epoch) =>
    readAnchor({ rpcUrl, registry, epoch }),
): Promise<{ check: VerificationCheck; anchor?: Anchor }> {
  let anchor: Anchor | undefined
  try {
    anchor = await read(expected.registry, expected.epoch)
  } catch (error) {
    return {
      check: {
        id: 'anchor',
        ok: false,
        code: 'APIARY_ANCHOR_UNREADABLE',
        message: `cannot read the registry ${expected.registry}: ${(error as Error).message.split('\n')[0]}`,
      },
    }
  }
  if (anchor === undefined)
    return {
      check: {
        id: 'anchor',
        ok: false,
        code: 'APIARY_ANCHOR_MISSING',
        message: `the registry ${expected.registry} has no seal of epoch ${expected.epoch}`,
      },
    }
  const mismatches: string[] = []
  const compare = (name: string, actual: string, want: string | undefined) => {
    if (want !== undefined && actual.toLowerCase() !== want.toLowerCase())
      mismatches.push(`${name} ${actual} (expected ${want})`)
  }
  compare('job root', anchor.jobRoot, expected.jobRoot)
  compare('payout root', anchor.payoutRoot, expected.payoutRoot)
  compare('CID', anchor.cid, expected.cid)
  compare('deposit', anchor.deposit.toString(), expected.deposit?.toString())
  compare('sealer', anchor.sealer, expected.signer)
  return {
    anchor,
    check:
      mismatches.length === 0
        ? {
            id: 'anchor',
            ok: true,
            message: `anchored in ${anchor.registry} at block ${anchor.block} (tx ${anchor.txHash})`,
          }
        : {
            id: 'anchor',
            ok: false,
            code: 'APIARY_ANCHOR_MISMATCH',
            message: `the on-chain seal of epoch ${expected.epoch} names ${mismatches.join(', ')}`,
          },
  }
}
