import type { PublicClient } from 'viem'

/** The chain's mean block time in seconds over its last `blocks` blocks (1 when it has too few). */
export async function blockSeconds(client: PublicClient, blocks = 32n): Promise<number> {
  const head = await client.getBlock({ blockTag: 'latest' })
  const span = head.number < blocks ? head.number : blocks
  if (span === 0n) return 1
  const earlier = await client.getBlock({ blockNumber: head.number - span })
  return Math.max(Number(head.timestamp - earlier.timestamp) / Number(span), 0.001)
}
