import {
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  parseEventLogs,
  type Transport,
  type WalletClient,
} from 'viem'
import { Mailbox, sendCall } from '../chain/index.ts'
import { ApiaryError } from '../internal/errors.ts'
import { encodePayload } from './encodePayload.ts'
import type { EnvelopeInput } from './envelope.ts'
import { lookupMessagingKey, mailboxRegistry } from './messagingKey.ts'

export interface SendMessageParameters {
  client: PublicClient
  wallet: WalletClient<Transport, Chain, Account>
  mailbox: Address
  to: Address
  envelope: EnvelopeInput
  /** Encrypt to the key the recipient publishes in the Mailbox's AgentRegistry; fails when it has none. */
  encrypt?: boolean
}

export interface SendMessageReturnType {
  id: bigint
  txHash: Hex
  blockNumber: bigint
  payloadBytes: number
  gasUsed: bigint
}

/** Sends one message through a Mailbox and waits until it is mined (docs/spec/message.md). */
export async function sendMessage({
  client,
  wallet,
  mailbox,
  to,
  envelope,
  encrypt = false,
}: SendMessageParameters): Promise<SendMessageReturnType> {
  let encryptTo: { publicKey: Hex; from: Address; to: Address } | undefined
  if (encrypt) {
    const registry = await mailboxRegistry({ client, mailbox })
    const key = await lookupMessagingKey({ client, registry, address: to })
    if (key.publicKey === undefined)
      throw new ApiaryError('APIARY_MESSAGE_NO_KEY', `cannot encrypt to ${to.toLowerCase()}: ${key.reason}`, {
        usage: true,
        hints: ['send it without --encrypt, or ask the agent to publish its key (apiary register does)'],
      })
    encryptTo = { publicKey: key.publicKey, from: wallet.account.address, to }
  }
  const payload = encodePayload({ envelope, encryptTo })
  const receipt = await sendCall({
    client,
    wallet,
    address: mailbox,
    abi: Mailbox.abi,
    functionName: 'send',
    args: [to, payload],
  })
  const [event] = parseEventLogs({ abi: Mailbox.abi, logs: receipt.logs, eventName: 'Message' })
  if (event === undefined)
    throw new ApiaryError(
      'APIARY_MESSAGE_NOT_SENT',
      `${receipt.transactionHash} emitted no Message: is ${mailbox} a Mailbox?`,
    )
  return {
    id: event.args.id,
    txHash: receipt.transactionHash,
    blockNumber: receipt.blockNumber,
    payloadBytes: (payload.length - 2) / 2,
    gasUsed: receipt.gasUsed,
  }
}
