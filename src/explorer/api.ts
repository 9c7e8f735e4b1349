import { useEffect, useState } from 'preact/hooks'

/** A refusal of the coordinator's API (`{code, message}`), or a network failure (`code` NETWORK). */
export class ApiFailure extends Error {
  readonly status: number
  readonly code: string
  constructor(status: number, code: string, message: string) {
    super(message)
    this.status = status
    this.code = code
  }
}

/** GET a JSON route of the coordinator that served the page. */
export async function getJson<T>(
  path: string,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<T> {
  let response: Response
  try {
    response = await fetch(path, {
      headers: { accept: 'application/json', ...headers },
      signal: signal ?? null,
    })
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error
    throw new ApiFailure(0, 'NETWORK', `the coordinator did not answer ${path}`)
  }
  const body = (await response.json().catch(() => undefined)) as
    | { code?: string; message?: string }
    | undefined
  if (!response.ok)
    throw new ApiFailure(
      response.status,
      body?.code ?? `HTTP_${response.status}`,
      body?.message ?? response.statusText,
    )
  return body as T
}

export interface Loaded<T> {
  data: T | undefined
  error: ApiFailure | undefined
  /** Answers received so far (a poll's counter moves). */
  loads: number
}

/**
 * A route's JSON, fetched when `path` changes and then every `everyMs` (0: once; and not again after a 404).
 * `path` undefined fetches nothing. Headers are a dependency by value (credentials typed into the page).
 */
export function useJson<T>(
  path: string | undefined,
  everyMs = 0,
  headers?: Record<string, string>,
): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ data: undefined, error: undefined, loads: 0 })
  const headerKey = JSON.stringify(headers ?? {})
  useEffect(() => {
    setState({ data: undefined, error: undefined, loads: 0 })
    if (path === undefined) return
    const controller = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    const load = async () => {
      let absent = false
      try {
        const data = await getJson<T>(
          path,
          JSON.parse(headerKey) as Record<string, string>,
          controller.signal,
        )
        setState((s) => ({ data, error: undefined, loads: s.loads + 1 }))
      } catch (error) {
        if (controller.signal.aborted) return
        // 404: this coordinator has no such part (no rewards, no Mailbox…); asking again will not change it.
        absent = (error as ApiFailure).status === 404
        setState((s) => ({ ...s, error: error as ApiFailure, loads: s.loads + 1 }))
      }
      if (everyMs > 0 && !absent && !controller.signal.aborted) timer = setTimeout(load, everyMs)
    }
    void load()
    return () => {
      controller.abort()
      clearTimeout(timer)
    }
  }, [path, everyMs, headerKey])
  return state
}
