import { isApiaryError } from '../internal/errors.ts'
import { readBundleCar } from './readBundleCar.ts'
import { type BundleVerificationReport, type VerifyBundleOptions, verifyBundle } from './verifyBundle.ts'

/**
 * Verifies a bundle CAR: the CAR itself (one root, every block hashing to its CID, a UnixFS directory of
 * files), then the bundle inside it, whose files must encode back to the CAR's root.
 */
export async function verifyBundleCar(
  car: Uint8Array,
  options: Omit<VerifyBundleOptions, 'expectedCid'> & { expectedCid?: string | undefined } = {},
): Promise<BundleVerificationReport> {
  let read: Awaited<ReturnType<typeof readBundleCar>>
  try {
    read = await readBundleCar(car)
  } catch (error) {
    if (!isApiaryError(error)) throw error
    return { valid: false, checks: [{ id: 'car', ok: false, code: error.code, message: error.message }] }
  }
  if (options.expectedCid !== undefined && options.expectedCid !== read.cid)
    return {
      valid: false,
      cid: read.cid,
      checks: [
        {
          id: 'car',
          ok: false,
          code: 'APIARY_BUNDLE_CID_MISMATCH',
          message: `the CAR's root is ${read.cid}, expected ${options.expectedCid}`,
        },
      ],
    }
  const report = await verifyBundle(read.files, { ...options, expectedCid: read.cid })
  report.checks.unshift({
    id: 'car',
    ok: true,
    message: `${read.blocks} blocks, each hashing to its CID; root ${read.cid}`,
  })
  return report
}
