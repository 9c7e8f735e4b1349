import { ApiaryError } from '../internal/errors.ts'
import { splitCredentials } from './rpcTransport.ts'

/** A JSON-RPC call: `(method, params) => result`. */
export type RpcRequest = (method: string, params: unknown[]) => Promise<unknown>

/**
 * A JSON-RPC 2.0 client over HTTP(S) with a per-call timeout. Node errors become APIARY_RPC_ERROR (with the
 * node's code and message), transport failures APIARY_RPC_UNREACHABLE (retryable).
 */
export function createRpcClient(
  rpcUrl: string,
  {
    timeoutMs = 30_000,
    observe,
  }: {
    timeoutMs?: number
    /** Told of every call: method, outcome (ok, error, unreachable) and seconds. */
    observe?: ((method: string, outcome: 'ok' | 'error' | 'unreachable', seconds: number) => void) | undefined
  } = {},
): RpcRequest {
  const { url, headers } = splitCredentials(rpcUrl)
  let id = 0
  const call = async (method: string, params: unknown[]): Promise<unknown> => {
    let response: Response
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
        signal: AbortSignal.timeout(timeoutMs),
      })
    } catch (cause) {
      throw new ApiaryError('APIARY_RPC_UNREACHABLE', `the node at ${redactUrl(url)} does not answer`, {
        cause,
        retryable: true,
      })
    }
    const body = (await response.json().catch(() => undefined)) as
      | { result?: unknown; error?: { code: number; message: string } }
      | undefined
    if (body === undefined || (body.error === undefined && !('result' in body)))
      throw new ApiaryError(
        'APIARY_RPC_UNREACHABLE',
        `the node answered HTTP ${response.status} without JSON-RPC`,
        {
          retryable: true,
        },
      )
    if (body.error !== undefined)
      throw new ApiaryError('APIARY_RPC_ERROR', `${method}: ${body.error.message}`, {
        details: { method, code: body.error.code },
      })
    return body.result
  }
  if (observe === undefined) return call
  return async (method, params) => {
    const started = performance.now()
    let outcome: 'ok' | 'error' | 'unreachable' = 'ok'
    try {
      return await call(method, params)
    } catch (error) {
      outcome = (error as { code?: string }).code === 'APIARY_RPC_ERROR' ? 'error' : 'unreachable'
      throw error
    } finally {
      observe(method, outcome, (performance.now() - started) / 1000)
    }
  }
}

/** The URL without credentials: user info, query values and long path segments (API keys) become `***`. */
export function redactUrl(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return '***'
  }
  if (parsed.username !== '') parsed.username = '***'
  if (parsed.password !== '') parsed.password = '***'
  for (const key of [...parsed.searchParams.keys()]) parsed.searchParams.set(key, '***')
  parsed.pathname = parsed.pathname
    .split('/')
    .map((segment) => (/^[A-Za-z0-9_-]{20,}$/.test(segment) ? '***' : segment))
    .join('/')
  return parsed.toString().replaceAll('%2A%2A%2A', '***')
}
