import type { PublicClient } from 'viem'
import { TASK_WINDOW } from './computeAnswer.ts'

/**
 * How many transactions a challenge opened now would choose from: those of the 16 blocks up to the head
 * (the next block's window). 0 means every task would be the trivial empty-window answer.
 */
export async function windowTransactions(client: PublicClient): Promise<number> {
  const head = await client.getBlockNumber({ cacheTime: 0 })
  let count = 0
  for (let n = head; n > 0n && n > head - BigInt(TASK_WINDOW); n--)
    count += (await client.getBlock({ blockNumber: n })).transactions.length
  return count
}
