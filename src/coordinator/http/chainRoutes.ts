import type { FastifyInstance, FastifyReply } from 'fastify'
import { type Address, createPublicClient, isAddress } from 'viem'
import type { RpcRequest } from '../../chain/index.ts'
import { rpcTransport } from '../../chain/index.ts'
import { toJsonValue } from '../../internal/json.ts'
import { messageJson, readMessages } from '../../messaging/index.ts'
import type { Store } from '../store/index.ts'

export interface ChainRoutesDependencies {
  store: Store
  rpc: RpcRequest
  /** Not redacted: the coordinator's own endpoint, for its viem client. */
  rpcUrl: string
  /** The Mailbox whose messages /v1/messages serves; without it that route answers 404. */
  mailbox?: Address | undefined
  /** Requests per client IP and minute to each route that reads many blocks from the node. */
  blocksPerMinute?: number | undefined
}

/** Blocks per /v1/blocks request, and per /v1/messages request. */
export const MAX_BLOCKS = 100
export const MAX_MESSAGE_BLOCKS = 10_000

const json = toJsonValue
const bad = (reply: FastifyReply, message: string) => reply.code(400).send({ code: 'BAD_REQUEST', message })
const blockNumber = (text: string | undefined) =>
  text !== undefined && /^(0|[1-9][0-9]{0,15})$/.test(text) ? Number(text) : undefined

/**
 * The chain as a query API, what the AITBC node lacked: blocks with their transactions (GET /v1/blocks),
 * the followed transactions of an address (GET /v1/transactions), and Mailbox messages (GET /v1/messages).
 */
export function registerChainRoutes(
  app: FastifyInstance,
  { store, rpc, rpcUrl, mailbox, blocksPerMinute = 60 }: ChainRoutesDependencies,
): void {
  const heavy = { config: { rateLimit: { max: blocksPerMinute, timeWindow: 60_000 } } }
  const client = createPublicClient({ transport: rpcTransport(rpcUrl, { retryCount: 1 }) })
  const head = async () => Number(BigInt((await rpc('eth_blockNumber', [])) as string))

  app.get('/v1/blocks', heavy, async (request, reply) => {
    const query = request.query as { from?: string; to?: string }
    const from = blockNumber(query.from)
    if (from === undefined) return bad(reply, 'from is a block number')
    const to = query.to === undefined ? from : blockNumber(query.to)
    if (to === undefined || to < from) return bad(reply, 'to is a block number, not below from')
    if (to - from + 1 > MAX_BLOCKS) return bad(reply, `at most ${MAX_BLOCKS} blocks per request`)
    const last = Math.min(to, await head())
    const blocks = []
    for (let n = from; n <= last; n++)
      blocks.push(await rpc('eth_getBlockByNumber', [`0x${n.toString(16)}`, true]))
    return json({ from, to: last, blocks })
  })

  app.get('/v1/transactions', async (request, reply) => {
    const query = request.query as { address?: string; limit?: string; before?: string }
    if (query.address === undefined || !isAddress(query.address, { strict: false }))
      return bad(reply, 'address is a 0x address of 20 bytes')
    const limit = query.limit === undefined ? 100 : Number(query.limit)
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      return bad(reply, 'limit is an integer from 1 to 1000')
    const before = query.before === undefined ? Number.MAX_SAFE_INTEGER : blockNumber(query.before)
    if (before === undefined) return bad(reply, 'before is a block number')
    const address = query.address.toLowerCase()
    const rows = await store.chain.transactionsOf(address, before, limit)
    const indexed = await store.chain.indexed()
    return json({
      address,
      indexed,
      transactions: rows.map((r) => ({
        hash: r.tx_hash,
        block: r.block_number,
        index: r.tx_index,
        from: r.sender,
        to: r.recipient,
        valueWei: r.value_wei,
        nonce: r.nonce,
      })),
      next: rows.length === limit ? (rows.at(-1)?.block_number ?? null) : null,
    })
  })

  app.get('/v1/messages', heavy, async (request, reply) => {
    if (mailbox === undefined)
      return reply
        .code(404)
        .send({ code: 'MAILBOX_UNKNOWN', message: 'this coordinator indexes no Mailbox (--mailbox)' })
    const query = request.query as { address?: string; since?: string; to?: string }
    if (query.address !== undefined && !isAddress(query.address, { strict: false }))
      return bad(reply, 'address is a 0x address of 20 bytes')
    const top = await head()
    const since =
      query.since === undefined ? Math.max(0, top - MAX_MESSAGE_BLOCKS + 1) : blockNumber(query.since)
    if (since === undefined) return bad(reply, 'since is a block number')
    const until = query.to === undefined ? top : blockNumber(query.to)
    if (until === undefined) return bad(reply, 'to is a block number')
    const last = Math.min(until, top, since + MAX_MESSAGE_BLOCKS - 1)
    const records =
      last < since
        ? []
        : await readMessages({
            client,
            mailbox,
            fromBlock: BigInt(since),
            toBlock: BigInt(last),
            to: query.address?.toLowerCase() as Address | undefined,
          })
    return json({
      mailbox,
      address: query.address?.toLowerCase() ?? null,
      fromBlock: since,
      toBlock: last,
      messages: records.map(messageJson),
      next: last < Math.min(until, top) ? last + 1 : null,
    })
  })
}
