import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RpcProxy {
  url: string
  /** Calls per method, refused ones included. */
  calls: Map<string, number>
  /** Methods refused from now on (undefined: none). */
  refuse: RegExp | undefined
  close(): Promise<void>
}

/**
 * A JSON-RPC endpoint in front of another one, as a second provider would be: forwards every call, except
 * that methods matching `refuse` are answered with JSON-RPC error -32601 like a node that does not offer them,
 * and with `basicAuth` ("user:password") a call without those credentials gets HTTP 401.
 */
export async function startRpcProxy(
  target: string,
  { refuse, basicAuth }: { refuse?: RegExp; basicAuth?: string } = {},
): Promise<RpcProxy> {
  const calls = new Map<string, number>()
  const proxy: RpcProxy = {
    url: '',
    calls,
    refuse,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  const answer = async (call: { id?: unknown; method?: unknown }) => {
    const method = String(call.method)
    calls.set(method, (calls.get(method) ?? 0) + 1)
    if (proxy.refuse?.test(method) === true)
      return {
        jsonrpc: '2.0',
        id: call.id ?? null,
        error: { code: -32601, message: `the method ${method} does not exist/is not available` },
      }
    const response = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(call),
    })
    return response.json()
  }
  const server: Server = createServer((request, response) => {
    if (
      basicAuth !== undefined &&
      request.headers.authorization !== `Basic ${Buffer.from(basicAuth).toString('base64')}`
    ) {
      response.writeHead(401).end('unauthorized')
      return
    }
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', async () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
        const reply = Array.isArray(body) ? await Promise.all(body.map(answer)) : await answer(body as never)
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply))
      } catch (error) {
        response.writeHead(502).end(String(error))
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return proxy
}
