import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createHardhatRuntimeEnvironment } from 'hardhat/hre'
import type { Chain } from 'viem'
import { ApiaryError } from '../internal/errors.ts'
import type { Logger } from '../internal/logger.ts'
import { evmChain } from './evmChain.ts'

/** Hardhat's well-known development mnemonic: its accounts and keys are public, for local use only. */
export const DEVNET_MNEMONIC = 'test test test test test test test test test test test junk'
const MAX_REQUEST_BYTES = 5 * 1024 * 1024

export interface StartDevnetParameters {
  /** Default 127.0.0.1; anything else exposes publicly known keys. */
  host?: string
  /** 0 picks a free port. */
  port?: number
  chainId?: number
  /** Seconds between blocks; 0 (default) mines a block for every transaction. */
  blockTime?: number
  /** Rules of the chain: default prague, the newest fork the validation engine executes. */
  hardfork?: string
  /** Number of funded dev accounts (default 20, 10,000 ETH each). */
  accounts?: number
}

export interface Devnet {
  url: string
  chainId: number
  /** The devnet as a viem chain, for clients. */
  chain: Chain
  /** Funded accounts, derived from DEVNET_MNEMONIC. */
  accounts: Array<{ address: `0x${string}`; privateKey: `0x${string}` }>
  /** Calls the node in-process (same as a POST to `url`). */
  request(method: string, params?: unknown[]): Promise<unknown>
  close(): Promise<void>
}

/**
 * Starts the embedded EVM devnet: Hardhat's EDR in-process, served as JSON-RPC over HTTP on 127.0.0.1.
 * Blocks are mined per transaction or on a fixed cadence.
 */
export async function startDevnet(
  { logger }: { logger: Logger },
  params: StartDevnetParameters = {},
): Promise<Devnet> {
  const {
    host = '127.0.0.1',
    port = 8545,
    chainId = 31337,
    blockTime = 0,
    hardfork = 'prague',
    accounts = 20,
  } = params
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
  const hre = await createHardhatRuntimeEnvironment(
    {
      networks: {
        apiary: {
          type: 'edr-simulated',
          chainId,
          hardfork,
          mining: { auto: blockTime === 0, interval: blockTime * 1000 },
          // Sub-second blocks (tests) may share a timestamp.
          allowBlocksWithSameTimestamp: blockTime > 0 && blockTime < 1,
          // as on a real chain, a failing transaction is mined with status 0 rather than refused
          throwOnTransactionFailures: false,
          accounts: { mnemonic: DEVNET_MNEMONIC, count: accounts, accountsBalance: (10n ** 22n).toString() },
        },
      },
    },
    {},
    root,
  )
  const connection = await hre.network.connect({ network: 'apiary' })
  const provider = connection.provider
  const request = (method: string, rpcParams: unknown[] = []) =>
    provider.request({ method, params: rpcParams })

  const server = createServer((req, res) => {
    void handle(req, res, request, logger)
  })
  await new Promise<void>((ready, fail) => {
    server.once('error', (cause: NodeJS.ErrnoException) =>
      fail(
        new ApiaryError(
          'APIARY_DEVNET_PORT_IN_USE',
          `cannot listen on ${host}:${port}: ${cause.code ?? cause.message}`,
          {
            cause,
            usage: cause.code === 'EADDRINUSE',
            hints: ['pick another --port, or 0 for any free port'],
          },
        ),
      ),
    )
    server.listen(port, host, () => ready())
  })
  const address = server.address() as AddressInfo
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`
  const keys = await deriveAccounts(accounts)
  logger.info({ url, chainId, blockTime, hardfork }, 'devnet listening')
  const chain = evmChain(chainId, url, 'apiary devnet')
  return {
    url,
    chainId,
    chain,
    accounts: keys,
    request,
    async close() {
      await new Promise<void>((done) => server.close(() => done()))
      server.closeAllConnections()
      await connection.close()
    },
  }
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  request: (method: string, params?: unknown[]) => Promise<unknown>,
  logger: Logger,
): Promise<void> {
  // Any page may call it, as public nodes allow: the explorer checks anchors from the browser (docs/explorer.md).
  const cors = {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': 'content-type, authorization',
    'access-control-max-age': '600',
  }
  const send = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', ...cors })
    res.end(JSON.stringify(body))
  }
  if (req.method === 'OPTIONS') {
    res.writeHead(204, cors)
    return void res.end()
  }
  if (req.method !== 'POST') return send(405, rpcError(null, -32600, 'JSON-RPC takes POST'))
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_REQUEST_BYTES)
      return send(413, rpcError(null, -32600, `request larger than ${MAX_REQUEST_BYTES} bytes`))
    chunks.push(chunk as Buffer)
  }
  let body: unknown
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    return send(400, rpcError(null, -32700, 'parse error'))
  }
  const one = async (call: unknown) => {
    const { id = null, method, params } = (call ?? {}) as { id?: unknown; method?: unknown; params?: unknown }
    if (typeof method !== 'string') return rpcError(id, -32600, 'invalid request')
    try {
      return { jsonrpc: '2.0', id, result: await request(method, Array.isArray(params) ? params : []) }
    } catch (error) {
      const e = error as { code?: number; message?: string; data?: unknown }
      logger.debug({ method, error: e.message }, 'devnet call failed')
      return {
        jsonrpc: '2.0',
        id,
        error: {
          code: typeof e.code === 'number' ? e.code : -32603,
          message: e.message ?? 'internal error',
          ...(e.data === undefined ? {} : { data: e.data }),
        },
      }
    }
  }
  send(200, Array.isArray(body) ? await Promise.all(body.map(one)) : await one(body))
}

function rpcError(id: unknown, code: number, message: string) {
  return { jsonrpc: '2.0', id, error: { code, message } }
}

async function deriveAccounts(count: number): Promise<Devnet['accounts']> {
  const { mnemonicToAccount } = await import('viem/accounts')
  return Array.from({ length: count }, (_, addressIndex) => {
    const account = mnemonicToAccount(DEVNET_MNEMONIC, { addressIndex })
    const privateKey =
      `0x${Buffer.from(account.getHdKey().privateKey as Uint8Array).toString('hex')}` as const
    return { address: account.address.toLowerCase() as `0x${string}`, privateKey }
  })
}
