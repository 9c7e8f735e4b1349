import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { type Address, createPublicClient } from 'viem'
import type { z } from 'zod'
import { chain } from '../../api/index.ts'
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

/** JSON as everywhere in Apiary (bigints as 0x quantities), typed as the route's answer. */
const json = <T extends z.ZodType>(_schema: T, value: unknown) => toJsonValue(value) as z.output<T>

/**
 * The chain as a query API, what the AITBC node lacked: blocks with their transactions (GET /v1/blocks),
 * the followed transactions of an address (GET /v1/transactions), and Mailbox messages (GET /v1/messages).
 */
export function registerChainRoutes(
  plain: FastifyInstance,
  { store, rpc, rpcUrl, mailbox, blocksPerMinute = 60 }: ChainRoutesDependencies,
): void {
  const app = plain.withTypeProvider<ZodTypeProvider>()
  const bad = (message: string) => ({ code: 'BAD_REQUEST', message })
  const heavy = { config: { rateLimit: { max: blocksPerMinute, timeWindow: 60_000 } } }
  const client = createPublicClient({ transport: rpcTransport(rpcUrl, { retryCount: 1 }) })
  const head = async () => Number(BigInt((await rpc('eth_blockNumber', [])) as string))

  app.route({
    ...chain.blocks,
    ...heavy,
    handler: async (request, reply) => {
      const { from, to = from } = request.query
      if (to < from) return reply.code(400).send(bad('to is not below from'))
      if (to - from + 1 > MAX_BLOCKS)
        return reply.code(400).send(bad(`at most ${MAX_BLOCKS} blocks per request`))
      const last = Math.min(to, await head())
      const blocks = []
      for (let n = from; n <= last; n++)
        blocks.push(await rpc('eth_getBlockByNumber', [`0x${n.toString(16)}`, true]))
      return json(chain.blocks.schema.response[200], { from, to: last, blocks })
    },
  })

  app.route({
    ...chain.transactions,
    handler: async (request) => {
      const { limit, before = Number.MAX_SAFE_INTEGER } = request.query
      const address = request.query.address.toLowerCase()
      const rows = await store.chain.transactionsOf(address, before, limit)
      const indexed = await store.chain.indexed()
      return json(chain.transactions.schema.response[200], {
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
    },
  })

  app.route({
    ...chain.messages,
    ...heavy,
    handler: async (request, reply) => {
      if (mailbox === undefined)
        return reply
          .code(404)
          .send({ code: 'MAILBOX_UNKNOWN', message: 'this coordinator indexes no Mailbox (--mailbox)' })
      const query = request.query
      const top = await head()
      const since = query.since ?? Math.max(0, top - MAX_MESSAGE_BLOCKS + 1)
      const until = query.to ?? top
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
      return json(chain.messages.schema.response[200], {
        mailbox,
        address: query.address?.toLowerCase() ?? null,
        fromBlock: since,
        toBlock: last,
        messages: records.map(messageJson),
        next: last < Math.min(until, top) ? last + 1 : null,
      })
    },
  })
}
