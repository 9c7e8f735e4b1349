import {
  type Address,
  BlockNotFoundError,
  encodeFunctionData,
  type Hex,
  type LocalAccount,
  type PublicClient,
  parseEventLogs,
} from 'viem'
import { broadcastTx, followTx, Mailbox, operatedAgent, signNextTx } from '../../chain/index.ts'
import type { Logger } from '../../internal/logger.ts'
import {
  decodePayload,
  type Envelope,
  encodePayload,
  lookupMessagingKey,
  mailboxRegistry,
  readMessages,
} from '../../messaging/index.ts'
import { type Inbox, type InboxRow, openInbox } from './openInbox.ts'
import { DEFAULT_REPLY_LIMITS, type ReplyLimits, replyPolicy } from './replyPolicy.ts'

/** A message as a handler sees it. */
export interface InboundMessage {
  id: bigint
  from: Address
  blockNumber: number
  txHash: Hex
  envelope: Envelope
  encrypted: boolean
}

/** A reply a handler asks for; reply_to and the timestamp are filled in. */
export interface MessageReply {
  type: string
  body?: string
  ack?: boolean
}

/**
 * Handles one message type; returns the replies to send. It runs once per message, but after a crash before
 * its result was recorded it runs again: side effects other than replies must be idempotent.
 */
export type MessageHandler = (
  message: InboundMessage,
) => MessageReply[] | undefined | Promise<MessageReply[] | undefined>

/** `ping` is answered with a `pong` carrying the same body. */
export const BUILTIN_HANDLERS: Record<string, MessageHandler> = {
  ping: (message) => [{ type: 'pong', body: message.envelope.body }],
}

export interface MessengerOptions {
  logger: Logger
  client: PublicClient
  /** The agent wallet: messages to it are read, and it signs and pays for the replies. */
  account: LocalAccount
  chainId: number
  /** Never pay more than this per gas for a reply (wei). */
  maxFeePerGasWei: bigint
  privateKey: Hex
  mailbox: Address
  /** The messenger's SQLite file (cursor, messages, outbox). */
  inboxPath: string
  /** Blocks on top of a message's block before it is read (reorg safety). */
  confirmations?: number
  pollMs?: number
  /** Where to start when the inbox has no cursor yet; default 10,000 blocks before the head. */
  fromBlock?: bigint | undefined
  /** Handlers by message type, over the built-in ones. */
  handlers?: Record<string, MessageHandler>
  /** Senders that get replies without being registered agents (lower case). */
  allowedSenders?: readonly string[] | undefined
  /** Paid replies per sender an hour and in all a day (default 20 and 500). */
  replyLimits?: Partial<ReplyLimits> | undefined
  now?: () => number
}

export interface MessengerStatus {
  address: Address
  cursor: number | undefined
  received: number
  handled: number
  rejected: number
  failed: number
  replied: number
  pending: number
  /** Messages whose reply was withheld by the reply policy (this run). */
  withheld: number
}

export interface Messenger {
  status(): MessengerStatus
  close(): Promise<void>
}

const BLOCKS_PER_READ = 2_000n
const REORG_REWIND = 64

/**
 * An agent's messenger (docs/spec/message.md#messenger): follows the Mailbox's messages to its wallet through
 * logs, `confirmations` blocks behind the head, records them with the cursor in SQLite, dispatches each once
 * to the handler of its type, and sends the replies exactly once through an outbox of signed transactions.
 */
export function createMessenger(options: MessengerOptions): Messenger {
  const {
    logger,
    client,
    account,
    chainId,
    maxFeePerGasWei,
    privateKey,
    mailbox,
    confirmations = 1,
    pollMs = 250,
  } = options
  const now = options.now ?? (() => Math.floor(Date.now() / 1000))
  const handlers = { ...BUILTIN_HANDLERS, ...options.handlers }
  const me = account.address.toLowerCase() as Address
  const inbox: Inbox = openInbox(options.inboxPath)
  const log = logger.child({ component: 'messenger', address: me })
  let registry: Address | undefined
  const limits = { ...DEFAULT_REPLY_LIMITS, ...options.replyLimits }
  const allowed = new Set((options.allowedSenders ?? []).map((a) => a.toLowerCase()))
  const registeredSenders = new Set<string>()
  let withheld = 0
  let stopped = false
  let wake: (() => void) | undefined

  async function read(): Promise<void> {
    const head = await client.getBlockNumber({ cacheTime: 0 })
    const safe = head - BigInt(confirmations)
    let cursor = inbox.cursor()
    if (cursor !== undefined) {
      // A failed call fails the round (retried); only a different hash means the block left the chain.
      const block = await client.getBlock({ blockNumber: BigInt(cursor.block) }).catch((error) => {
        if (error instanceof BlockNotFoundError) return undefined
        throw error
      })
      if (block?.hash !== cursor.hash) {
        const back = Math.max(-1, cursor.block - REORG_REWIND)
        log.error(
          { block: cursor.block, rereadFrom: back + 1 },
          'the cursor block left the chain: reading again',
        )
        cursor = { block: back, hash: '' }
      }
    }
    let from =
      cursor === undefined
        ? (options.fromBlock ?? (head > 10_000n ? head - 10_000n : 0n))
        : BigInt(cursor.block + 1)
    while (from <= safe && !stopped) {
      const to = from + BLOCKS_PER_READ - 1n < safe ? from + BLOCKS_PER_READ - 1n : safe
      const records = await readMessages({ client, mailbox, fromBlock: from, toBlock: to, to: me })
      const end = await client.getBlock({ blockNumber: to })
      const added = inbox.record(
        records.map((r) => ({
          id: r.id.toString(),
          tx_hash: r.txHash,
          block_number: Number(r.blockNumber),
          log_index: r.logIndex,
          sender: r.from,
          payload: r.payload,
        })),
        { block: Number(to), hash: end.hash },
      )
      if (added > 0) log.debug({ added, toBlock: Number(to) }, 'messages read')
      from = to + 1n
    }
  }

  async function dispatch(row: InboxRow): Promise<void> {
    const from = row.sender as Address
    const decoded = decodePayload({ payload: row.payload as Hex, from, to: me, privateKey })
    if (decoded.status !== 'ok') {
      const rejection =
        decoded.status === 'encrypted'
          ? { code: 'MESSAGE_UNDECRYPTABLE', message: 'encrypted' }
          : { code: decoded.code, message: decoded.message }
      inbox.rejected(row.id, row.tx_hash, rejection)
      log.warn({ id: row.id, from, code: rejection.code, reason: rejection.message }, 'message rejected')
      return
    }
    const { envelope, encrypted } = decoded
    const message: InboundMessage = {
      id: BigInt(row.id),
      from,
      blockNumber: row.block_number,
      txHash: row.tx_hash as Hex,
      envelope,
      encrypted,
    }
    let replies: MessageReply[]
    try {
      replies = (await handlers[envelope.type]?.(message)) ?? []
    } catch (error) {
      inbox.rejected(row.id, row.tx_hash, { code: 'HANDLER_FAILED', message: String(error) })
      log.error({ id: row.id, from, type: envelope.type, err: error }, 'message handler failed')
      return
    }
    if (replies.length === 0 && envelope.ack && envelope.type !== 'ack') replies = [{ type: 'ack' }]
    if (replies.length > 0) {
      const hourAgo = Date.now() - 3_600_000
      const decision = replyPolicy(
        { registered: await isRegistered(from), allowed: allowed.has(from.toLowerCase()) },
        inbox.replyCounts({
          txHash: row.tx_hash,
          recipient: from,
          hourAgo,
          dayAgo: hourAgo - 23 * 3_600_000,
        }),
        limits,
      )
      if (!decision.ok) {
        withheld++
        log.info({ id: row.id, from, type: envelope.type, reason: decision.reason }, 'reply withheld')
        replies = []
      } else replies = replies.slice(0, 1)
    }
    const encryptTo = encrypted ? await senderKey(from) : undefined
    const queued = replies.map((reply) => ({
      in_reply_to: row.id,
      recipient: from,
      type: reply.type,
      payload: encodePayload({
        envelope: {
          type: reply.type,
          // A reply to an encrypted message never travels in plain with a body.
          body: encrypted && encryptTo === undefined ? '' : (reply.body ?? ''),
          reply_to: row.id,
          timestamp: now(),
          ack: reply.ack ?? false,
        },
        encryptTo,
      }),
    }))
    inbox.handled(row.id, row.tx_hash, { replies: queued })
    log.info(
      { id: row.id, from, type: envelope.type, encrypted, replies: queued.map((r) => r.type) },
      'message handled',
    )
  }

  /** Whether `from` is a registered agent's wallet in the Mailbox's AgentRegistry (remembered once it is). */
  async function isRegistered(from: Address) {
    if (registeredSenders.has(from.toLowerCase())) return true
    registry ??= await mailboxRegistry({ client, mailbox })
    const operates = (await operatedAgent(client, { registry, wallet: from })) !== undefined
    if (operates) registeredSenders.add(from.toLowerCase())
    return operates
  }

  async function senderKey(from: Address) {
    registry ??= await mailboxRegistry({ client, mailbox })
    const key = await lookupMessagingKey({ client, registry, address: from })
    return key.publicKey === undefined ? undefined : { publicKey: key.publicKey, from: me, to: from }
  }

  async function flush(): Promise<void> {
    for (const reply of inbox.pending()) {
      if (stopped) return
      if (reply.raw_tx !== null && reply.tx_hash !== null && reply.nonce !== null) {
        const followed = await followTx(
          { client, wallet: account },
          { raw: reply.raw_tx as Hex, hash: reply.tx_hash as Hex, nonce: reply.nonce },
        )
        if (followed.state === 'pending') continue
        if (followed.state === 'mined') {
          const { logs } = followed.receipt
          const [event] = parseEventLogs({ abi: Mailbox.abi, logs, eventName: 'Message' })
          inbox.sent(reply.seq, event?.args.id.toString() ?? '')
          log.info(
            { type: reply.type, replyTo: reply.in_reply_to, to: reply.recipient, id: event?.args.id },
            'reply sent',
          )
          continue
        }
        log.warn(
          { seq: reply.seq, nonce: reply.nonce },
          'reply nonce taken by another transaction: signing again',
        )
        inbox.unsigned(reply.seq)
      }
      const signed = await signNextTx(
        { client, wallet: account, chainId, maxFeePerGasWei },
        {
          to: mailbox,
          data: encodeFunctionData({
            abi: Mailbox.abi,
            functionName: 'send',
            args: [reply.recipient as Address, reply.payload as Hex],
          }),
          value: 0n,
          what: `a reply to message ${reply.in_reply_to}`,
        },
      )
      inbox.signed(reply.seq, signed)
      await broadcastTx(client, signed.raw)
    }
  }

  const loop = (async () => {
    let failures = 0
    while (!stopped) {
      try {
        await read()
        for (const row of inbox.received()) {
          if (stopped) break
          await dispatch(row)
        }
        await flush()
        failures = 0
      } catch (error) {
        failures += 1
        log.warn({ err: error, failures }, 'messenger round failed; retrying')
      }
      if (stopped) break
      await new Promise<void>((resolve) => {
        wake = resolve
        setTimeout(resolve, failures === 0 ? pollMs : Math.min(30_000, pollMs * 2 ** failures))
      })
    }
  })()

  return {
    status: () => ({ address: me, cursor: inbox.cursor()?.block, ...inbox.counts(), withheld }),
    async close() {
      stopped = true
      wake?.()
      await loop
      inbox.close()
    },
  }
}
