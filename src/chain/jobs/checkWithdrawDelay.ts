import type { Hex, PublicClient } from 'viem'
import { ApiaryError } from '../../internal/errors.ts'
import { JobEscrow } from '../contracts.generated.ts'

/** Slack for sealing, charging and a short outage of the node or the hot wallet after an epoch closes. */
export const CHARGE_SLACK_SECONDS = 600

/**
 * Refuses a JobEscrow whose `withdrawDelay` is shorter than a charge can wait: a job completes at the latest
 * when its epoch closes, and is charged after the close (seal, charge), so a client's announced withdrawal
 * must not become ready before two epochs and some slack have passed. Else a client could withdraw what its
 * completed jobs owe before the charge — and the charge, which reverts when one client holds too little,
 * would fail for every client of the epoch.
 */
export async function checkWithdrawDelay(
  client: PublicClient,
  { escrow, epochSeconds }: { escrow: Hex; epochSeconds: number },
): Promise<{ delaySeconds: number; neededSeconds: number }> {
  const delay = Number(
    await client.readContract({ address: escrow, abi: JobEscrow.abi, functionName: 'withdrawDelay' }),
  )
  const epoch = Math.ceil(epochSeconds)
  const needed = 2 * epoch + CHARGE_SLACK_SECONDS
  if (delay < needed)
    throw new ApiaryError(
      'APIARY_ESCROW_DELAY_TOO_SHORT',
      `the JobEscrow ${escrow} lets clients withdraw after ${delay} s; with epochs of ${epoch} s a charge can wait up to ${needed} s`,
      {
        usage: true,
        details: { escrow, delaySeconds: delay, neededSeconds: needed },
        hints: [
          `deploy the escrow with --withdraw-delay ${needed} or more, or use shorter epochs (--epoch-seconds)`,
        ],
      },
    )
  return { delaySeconds: delay, neededSeconds: needed }
}
