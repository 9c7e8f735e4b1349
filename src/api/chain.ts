import { z } from 'zod'
import { address, count, declareRoute, errors, hexBytes, quantity } from './common.ts'

const blockNumber = z.coerce.number<string>().int().min(0).max(Number.MAX_SAFE_INTEGER)

/** A block as eth_getBlockByNumber gives it with full transactions (only the fields every node sends are named). */
export const RpcBlock = z.looseObject({
  number: quantity,
  hash: hexBytes,
  parentHash: hexBytes,
  timestamp: quantity,
  transactions: z.array(z.looseObject({ hash: hexBytes, from: address })),
})

export const FollowedTransaction = z.strictObject({
  hash: z.string(),
  block: count,
  index: count,
  from: z.string(),
  to: z.string().nullable(),
  valueWei: z.string(),
  nonce: count,
})

const messageBase = {
  id: quantity,
  block: quantity,
  txHash: hexBytes,
  from: address,
  to: address,
  bytes: count.describe('Payload size'),
}
export const MessageView = z.discriminatedUnion('status', [
  z.strictObject({ ...messageBase, status: z.literal('encrypted'), encrypted: z.literal(true) }),
  z.strictObject({
    ...messageBase,
    status: z.literal('rejected'),
    code: z.string().describe('Why the payload is unreadable (docs/spec/message.md)'),
    reason: z.string(),
  }),
  z.strictObject({
    ...messageBase,
    status: z.literal('ok'),
    encrypted: z.boolean(),
    type: z.string(),
    body: z.string(),
    reply_to: z.string().optional(),
    timestamp: count,
    ack: z.boolean(),
  }),
])

export const blocks = declareRoute({
  method: 'GET',
  url: '/v1/blocks',
  operationId: 'listBlocks',
  summary:
    'Blocks with their full transactions, as eth_getBlockByNumber gives them, at most 100 per request (from the chain the coordinator follows)',
  tags: ['chain'],
  querystring: z.object({ from: blockNumber, to: blockNumber.optional() }),
  response: {
    200: z.strictObject({
      from: count,
      to: count.describe('Last block returned (at most the head)'),
      blocks: z.array(RpcBlock),
    }),
    400: errors[400],
  },
})

export const transactions = declareRoute({
  method: 'GET',
  url: '/v1/transactions',
  operationId: 'listTransactions',
  summary:
    'Transactions sent from or to an address in the blocks the coordinator followed, newest first; page with before=next',
  tags: ['chain'],
  querystring: z.object({
    address: z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'a 0x address of 20 bytes'),
    limit: z.coerce.number<string>().int().min(1).max(1000).default(100),
    before: blockNumber.optional(),
  }),
  response: {
    200: z.strictObject({
      address: z.string(),
      indexed: z
        .strictObject({ from: count.nullable(), to: count.nullable() })
        .describe('First and last block followed'),
      transactions: z.array(FollowedTransaction),
      next: count.nullable().describe('before= for the next page'),
    }),
    400: errors[400],
  },
})

export const messages = declareRoute({
  method: 'GET',
  url: '/v1/messages',
  operationId: 'listMessages',
  summary:
    'Mailbox messages (docs/spec/message.md), oldest first, to one address or all, over at most 10,000 blocks per request; encrypted ones show as encrypted, unreadable ones with their rejection code',
  tags: ['chain'],
  querystring: z.object({
    address: z
      .string()
      .regex(/^0x[0-9a-fA-F]{40}$/, 'a 0x address of 20 bytes')
      .optional(),
    since: blockNumber.optional(),
    to: blockNumber.optional(),
  }),
  response: {
    200: z.strictObject({
      mailbox: address,
      address: z.string().nullable(),
      fromBlock: count,
      toBlock: count,
      messages: z.array(MessageView),
      next: count.nullable().describe('since= for the rest of the range'),
    }),
    400: errors[400],
    404: errors[404].describe('MAILBOX_UNKNOWN: this coordinator indexes no Mailbox (--mailbox)'),
  },
})
