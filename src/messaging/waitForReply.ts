import type { Address, Hex, PublicClient } from 'viem'
import { type MessageRecord, readMessages } from './readMessages.ts'

export interface WaitForReplyParameters {
  client: PublicClient
  mailbox: Address
  /** The message's sender, to whom the reply comes. */
  me: Address
  privateKey: Hex
  /** Who must reply. */
  peer: Address
  /** The id of the message replied to. */
  id: bigint
  /** Where to start looking (the message's block). */
  fromBlock: bigint
  timeoutMs: number
  pollMs?: number
  signal?: AbortSignal
}

/**
 * Waits for `peer`'s message to `me` whose envelope has reply_to = `id` (a pong, an ack or any reply); it
 * counts as soon as it is in a block. Undefined when none came within the timeout.
 */
export async function waitForReply({
  client,
  mailbox,
  me,
  privateKey,
  peer,
  id,
  fromBlock,
  timeoutMs,
  pollMs = 200,
  signal,
}: WaitForReplyParameters): Promise<MessageRecord | undefined> {
  const deadline = Date.now() + timeoutMs
  let next = fromBlock
  const wanted = id.toString()
  for (;;) {
    const head = await client.getBlockNumber({ cacheTime: 0 })
    if (head >= next) {
      const records = await readMessages({
        client,
        mailbox,
        fromBlock: next,
        toBlock: head,
        to: me,
        from: peer,
        reader: { address: me, privateKey },
      })
      const reply = records.find((r) => r.decoded.status === 'ok' && r.decoded.envelope.reply_to === wanted)
      if (reply !== undefined) return reply
      next = head + 1n
    }
    if (Date.now() >= deadline || signal?.aborted) return undefined
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(0, deadline - Date.now()))))
  }
}
