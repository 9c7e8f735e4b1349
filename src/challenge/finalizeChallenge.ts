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
import { SwarmChallenge } from '../chain/contracts.generated.ts'
import { sendCall } from '../chain/sendCall.ts'
import type { ChallengeRecord, Finalized } from './challengeRecord.ts'
import { type ComputeAnswerContext, computeAnswer } from './computeAnswer.ts'

export interface ExpectedAnswersParameters {
  record: Pick<ChallengeRecord, 'seed' | 'startBlock' | 'invitees'>
  chainId: bigint
  fork: string
}

/** Every invitee's expected answer, in invitee order, computed as the agents must (docs/spec/challenge.md#tasks). */
export async function expectedAnswers(
  ctx: ComputeAnswerContext,
  { record, chainId, fork }: ExpectedAnswersParameters,
): Promise<Hex[]> {
  const answers: Hex[] = []
  for (const agent of record.invitees) {
    const { answer } = await computeAnswer(ctx, {
      seed: record.seed,
      agent,
      startBlock: record.startBlock,
      chainId,
      fork,
    })
    answers.push(answer)
  }
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

/** Finalizes a challenge with the expected answers and returns what the contract attested. */
export async function finalizeChallenge({
  client,
  wallet,
  contract,
  id,
  answers,
}: FinalizeChallengeParameters): Promise<FinalizeChallengeReturnType> {
  const abi = SwarmChallenge.abi
  const receipt = await sendCall({
    client,
    wallet,
    address: contract,
    abi,
    functionName: 'finalize',
    args: [id, answers],
  })
  const [event] = parseEventLogs({ abi, logs: receipt.logs, eventName: 'Finalized', strict: true })
  if (event === undefined) throw new Error('finalize emitted no Finalized')
  const { score, participants, revealed, correct, answered, spread, swarmHash, passed } = event.args
  return {
    txHash: receipt.transactionHash,
    score,
    participants,
    revealed,
    correct,
    answered,
    spread,
    swarmHash,
    passed,
  }
}
