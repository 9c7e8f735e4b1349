import type { z } from 'zod'
import { ApiaryError } from '../internal/errors.ts'

export const DEFAULT_COORDINATOR_HTTP = 'http://127.0.0.1:14690'

/** A request besides a plain GET: its method, headers (credentials) and JSON body. */
export interface CoordinatorRequest {
  method?: 'GET' | 'POST' | 'DELETE'
  headers?: Record<string, string>
  json?: unknown
}

/**
 * A request to a coordinator's HTTP API (GET by default). Returns the response when it is 2xx; otherwise
 * throws APIARY_COORDINATOR_UNREACHABLE (no answer, retryable) or APIARY_COORDINATOR_ERROR with the API's
 * own code and message (e.g. `EPOCH_NOT_SEALED: epoch 4 is open`) and its body in `details.body`.
 */
export async function coordinatorGet(
  base: string,
  path: string,
  timeoutMs = 60_000,
  request: CoordinatorRequest = {},
): Promise<Response> {
  const url = new URL(path, base)
  let response: Response
  try {
    response = await fetch(url, {
      method: request.method ?? 'GET',
      headers: {
        ...request.headers,
        ...(request.json === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(request.json === undefined ? {} : { body: JSON.stringify(request.json) }),
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (cause) {
    throw new ApiaryError(
      'APIARY_COORDINATOR_UNREACHABLE',
      `the coordinator at ${url.origin} does not answer`,
      {
        cause,
        retryable: true,
      },
    )
  }
  if (response.ok) return response
  const body = (await response.json().catch(() => undefined)) as
    | { code?: string; message?: string }
    | undefined
  throw new ApiaryError(
    'APIARY_COORDINATOR_ERROR',
    `${url.origin}${url.pathname} answered ${response.status}${body?.message === undefined ? '' : `: ${body.code ?? ''} ${body.message}`}`,
    {
      details: { status: response.status, code: body?.code, body },
      hints:
        body?.code === 'NOT_FOUND'
          ? [
              'this coordinator keeps no epochs (or seals none: it needs --epoch-seconds/--epoch-blocks and a datadir)',
            ]
          : [],
    },
  )
}

/**
 * GET a JSON answer and check it with the route's own response schema (src/api, the schemas the coordinator
 * answers with and /openapi.json is generated from): an answer that is not what the API declares is refused.
 */
export async function coordinatorJson<T extends z.ZodType>(
  base: string,
  path: string,
  schema: T,
  request?: CoordinatorRequest,
): Promise<z.output<T>> {
  const response = await coordinatorGet(base, path, 60_000, request)
  let body: unknown
  try {
    body = await response.json()
  } catch (cause) {
    throw new ApiaryError('APIARY_COORDINATOR_ERROR', `${path} did not answer JSON`, { cause })
  }
  const parsed = schema.safeParse(body)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new ApiaryError(
      'APIARY_COORDINATOR_ERROR',
      `${path} answered what the API does not declare: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
      { hints: ['the coordinator may run another version of Apiary: compare its /openapi.json'] },
    )
  }
  return parsed.data
}
