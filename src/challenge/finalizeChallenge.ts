import { availableParallelism } from 'node:os'
import {
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  parseEventLogs,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from 'viem'
import { SwarmChallenge, sendCall } from '../chain/index.ts'
import type { ChallengeRecord, Finalized } from './challengeRecord.ts'
import { computeAnswer } from './computeAnswer.ts'

const NO_ANSWER = `0x${'00'.repeat(32)}` as Hex

/**
 * Every invitee's expected answer, in invitee order, computed as the agents must (docs/spec/challenge.md#tasks),
 * on `threads` worker threads at once (default: one per core). An invitee that did not reveal is not compared
 * by the contract, so its task is not computed: its entry is zero.
 */
export async function expectedAnswers(
  record: Pick<ChallengeRecord, 'seed' | 'openHash' | 'difficulty' | 'invitees' | 'reveals'>,
  { signal, threads = availableParallelism() }: { signal?: AbortSignal; threads?: number } = {},
): Promise<Hex[]> {
  const revealed = new Set(record.reveals.map((r) => r.agent.toLowerCase()))
  const answers: Hex[] = record.invitees.map(() => NO_ANSWER)
  const queue = record.invitees.flatMap((agent, i) =>
    revealed.has(agent.toLowerCase()) ? [{ agent, i }] : [],
  )
  const work = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const { seed, openHash, difficulty } = record
      answers[next.i] = (
        await computeAnswer({ seed, openHash, agent: next.agent, difficulty }, signal)
      ).answer
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, threads) }, work))
  return answers
}

export interface FinalizeChallengeParameters {
  client: PublicClient
  wallet: WalletClient<Transport, Chain, Account>
  contract: Address
  id: bigint
  answers: readonly Hex[]
}

export interface FinalizeChallengeReturnType extends Finalized {
  txHash: Hex
}

/** The `finalize` call with the expected answers: for sendCall, or encoded for an outbox. */
export function finalizeChallengeCall(contract: Address, id: bigint, answers: readonly Hex[]) {
  return {
    address: contract,
    abi: SwarmChallenge.abi,
    functionName: 'finalize' as const,
    args: [id, answers] as const,
  }
}

/** What the contract attested in a `finalize` receipt. */
export function finalizedOf(receipt: TransactionReceipt): FinalizeChallengeReturnType {
  const [event] = parseEventLogs({
    abi: SwarmChallenge.abi,
    logs: receipt.logs,
    eventName: 'Finalized',
    strict: true,
  })
  if (event === undefined) throw new Error('finalize emitted no Finalized')
  const { score, participants, revealed, answered, spread, swarmHash, passed } = event.args
  return {
    txHash: receipt.transactionHash,
    score,
    participants,
    revealed,
    answered,
    spread,
    swarmHash,
    passed,
  }
}

/** Finalizes a challenge with the expected answers and returns what the contract attested. */
export async function finalizeChallenge({
  client,
  wallet,
  contract,
  id,
  answers,
}: FinalizeChallengeParameters): Promise<FinalizeChallengeReturnType> {
  return finalizedOf(await sendCall({ client, wallet, ...finalizeChallengeCall(contract, id, answers) }))
}
