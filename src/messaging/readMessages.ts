import { type Address, type Hex, type PublicClient, parseAbiItem } from 'viem'
import { type DecodedPayload, decodePayload } from './decodePayload.ts'

export const MESSAGE_EVENT = parseAbiItem(
  'event Message(address indexed from, address indexed to, uint256 indexed id, bytes payload)',
)

export interface MessageRecord {
  id: bigint
  from: Address
  to: Address
  blockNumber: bigint
  blockHash: Hex
  txHash: Hex
  logIndex: number
  payload: Hex
  decoded: DecodedPayload
}

export interface ReadMessagesParameters {
  client: PublicClient
  mailbox: Address
  fromBlock: bigint
  toBlock: bigint
  /** Only messages to this address. */
  to?: Address | undefined
  /** Only messages from this address. */
  from?: Address | undefined
  /** Opens encrypted messages addressed to this key's owner. */
  reader?: { address: Address; privateKey: Hex } | undefined
}

/** Blocks per eth_getLogs call: public endpoints commonly refuse wider ranges. */
const RANGE = 5_000n

/** The Mailbox's messages in a block range, oldest first, each decoded (never throws on a bad payload). */
export async function readMessages({
  client,
  mailbox,
  fromBlock,
  toBlock,
  to,
  from,
  reader,
}: ReadMessagesParameters): Promise<MessageRecord[]> {
  const records: MessageRecord[] = []
  for (let start = fromBlock; start <= toBlock; start += RANGE) {
    const end = start + RANGE - 1n < toBlock ? start + RANGE - 1n : toBlock
    const logs = await client.getLogs({
      address: mailbox,
      event: MESSAGE_EVENT,
      args: { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) },
      fromBlock: start,
      toBlock: end,
      strict: true,
    })
    for (const log of logs) records.push(toRecord(log, reader))
  }
  return records
}

/** A Message log as a record, decoded with the reader's key when it is the recipient. */
export function toRecord(
  log: {
    args: { from: Address; to: Address; id: bigint; payload: Hex }
    blockNumber: bigint
    blockHash: Hex
    transactionHash: Hex
    logIndex: number
  },
  reader?: { address: Address; privateKey: Hex },
): MessageRecord {
  const { from, to, id, payload } = log.args
  const mine = reader !== undefined && reader.address.toLowerCase() === to.toLowerCase()
  return {
    id,
    from: from.toLowerCase() as Address,
    to: to.toLowerCase() as Address,
    blockNumber: log.blockNumber,
    blockHash: log.blockHash,
    txHash: log.transactionHash,
    logIndex: log.logIndex,
    payload,
    decoded: decodePayload({ payload, from, to, privateKey: mine ? reader.privateKey : undefined }),
  }
}
