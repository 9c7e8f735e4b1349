import { type HttpTransportConfig, http } from 'viem'

/**
 * An RPC URL as fetch can use it: credentials in the URL (`https://user:pass@host/`) become a Basic
 * Authorization header, because fetch refuses URLs that carry them.
 */
export function splitCredentials(url: string): { url: string; headers: Record<string, string> } {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return { url, headers: {} }
  }
  if (parsed.username === '' && parsed.password === '') return { url, headers: {} }
  const user = decodeURIComponent(parsed.username)
  const password = decodeURIComponent(parsed.password)
  parsed.username = ''
  parsed.password = ''
  return {
    url: parsed.toString(),
    headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
  }
}

/** viem's HTTP transport for an RPC URL, credentials in the URL sent as a Basic Authorization header. */
export function rpcTransport(url: string, config: HttpTransportConfig = {}) {
  const { url: bare, headers } = splitCredentials(url)
  return http(bare, {
    ...config,
    fetchOptions: {
      ...config.fetchOptions,
      headers: { ...headers, ...(config.fetchOptions?.headers as Record<string, string> | undefined) },
    },
  })
}
