import { ApiaryError } from '../../internal/errors.ts'

/**
 * Imports a CAR into an IPFS node through its Kubo-compatible HTTP RPC (`POST /api/v0/dag/import` with
 * `pin-roots=true`) and checks that the node pinned the expected root.
 */
export async function pinCar(api: string, car: Uint8Array, cid: string, signal?: AbortSignal): Promise<void> {
  const form = new FormData()
  form.append('file', new Blob([car], { type: 'application/vnd.ipld.car' }), 'bundle.car')
  const url = `${api.replace(/\/$/, '')}/api/v0/dag/import?pin-roots=true`
  let response: Response
  try {
    response = await fetch(url, { method: 'POST', body: form, signal: signal ?? AbortSignal.timeout(60_000) })
  } catch (cause) {
    throw new ApiaryError('APIARY_IPFS_UNREACHABLE', `cannot reach the IPFS node at ${api}`, {
      cause,
      retryable: true,
    })
  }
  const body = await response.text()
  if (!response.ok)
    throw new ApiaryError(
      'APIARY_IPFS_IMPORT_FAILED',
      `the IPFS node refused the CAR (${response.status}): ${body.slice(0, 200)}`,
      {
        retryable: response.status >= 500,
      },
    )
  const pinned = body
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as { Root?: { Cid?: { '/': string }; PinErrorMsg?: string } }
      } catch {
        return {}
      }
    })
    .find((entry) => entry.Root?.Cid?.['/'] === cid)
  if (pinned === undefined || (pinned.Root?.PinErrorMsg ?? '') !== '')
    throw new ApiaryError(
      'APIARY_IPFS_NOT_PINNED',
      `the IPFS node did not pin ${cid}: ${pinned?.Root?.PinErrorMsg ?? body.slice(0, 200)}`,
      {
        retryable: true,
      },
    )
}
