import { type Address, decodeFunctionData, type Hex, isHex, type PublicClient } from 'viem'
import { SwarmChallenge } from '../chain/index.ts'
import type { ChallengeRecord } from './challengeRecord.ts'

export interface ChallengeIndex {
  /** Reads the contract's events up to the latest block; returns that block. */
  sync(): Promise<bigint>
  /** Every challenge seen, newest first. */
  list(): ChallengeRecord[]
  get(id: bigint): ChallengeRecord | undefined
  /** The block the index has read up to. */
  head(): bigint
}

export interface CreateChallengeIndexParameters {
  client: PublicClient
  address: Address
  /** The first block to read (the contract's deployment block, or 0). */
  fromBlock?: bigint
  /** Blocks per eth_getLogs call (nodes cap the range). */
  chunk?: bigint
}

/**
 * An in-memory index of a SwarmChallenge contract's events. The chain is the record: a restarted index reads
 * them again from `fromBlock`. Not safe for concurrent `sync` calls; callers serialize them.
 */
export function createChallengeIndex({
  client,
  address,
  fromBlock = 0n,
  chunk = 2_000n,
}: CreateChallengeIndexParameters): ChallengeIndex {
  const records = new Map<bigint, ChallengeRecord>()
  let next = fromBlock
  let head = fromBlock - 1n

  const ingest = async (from: bigint, to: bigint) => {
    const logs = await client.getContractEvents({
      address,
      abi: SwarmChallenge.abi,
      fromBlock: from,
      toBlock: to,
      strict: true,
    })
    for (const log of logs) {
      const block = log.blockNumber
      const tx = log.transactionHash
      if (log.eventName === 'ChallengeCreated') {
        const a = log.args
        records.set(a.id, {
          id: a.id,
          creator: lower(a.creator),
          seed: a.seed,
          prompt: promptText(a.promptOrCid),
          startBlock: a.startBlock,
          openHash: log.blockHash,
          difficulty: a.difficulty,
          commitDeadline: a.commitDeadline,
          revealDeadline: a.revealDeadline,
          minAgents: a.minAgents,
          invitees: a.invitees.map(lower),
          createdTx: tx,
          commits: [],
          reveals: [],
          finalized: undefined,
        })
        continue
      }
      const record = records.get(log.args.id)
      if (record === undefined) continue // created before fromBlock
      if (log.eventName === 'Committed')
        record.commits.push({ agent: lower(log.args.agent), block, commitment: log.args.commitment, tx })
      else if (log.eventName === 'Revealed')
        record.reveals.push({ agent: lower(log.args.agent), block, answer: log.args.answer, tx })
      else if (log.eventName === 'Finalized') {
        const a = log.args
        record.finalized = {
          block,
          tx,
          score: a.score,
          participants: a.participants,
          revealed: a.revealed,
          answered: a.answered,
          spread: a.spread,
          swarmHash: a.swarmHash,
          passed: a.passed,
          expectedAnswers: await finalizeAnswers(client, tx),
        }
      }
    }
  }

  return {
    async sync() {
      const latest = await client.getBlockNumber({ cacheTime: 0 })
      while (next <= latest) {
        const to = next + chunk - 1n < latest ? next + chunk - 1n : latest
        await ingest(next, to)
        head = to
        next = to + 1n
      }
      return head
    },
    list: () => [...records.values()].sort((a, b) => (a.id > b.id ? -1 : 1)),
    get: (id) => records.get(id),
    head: () => head,
  }
}

/** The expected answers of a `finalize` call (undefined when the transaction is not a direct call). */
async function finalizeAnswers(client: PublicClient, hash: Hex): Promise<Hex[] | undefined> {
  const tx = await client.getTransaction({ hash })
  try {
    const call = decodeFunctionData({ abi: SwarmChallenge.abi, data: tx.input })
    return call.functionName === 'finalize' ? [...(call.args[1] as readonly Hex[])] : undefined
  } catch {
    return undefined
  }
}

function promptText(bytes: Hex): string {
  if (!isHex(bytes)) return bytes
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(bytes.slice(2), 'hex'))
  } catch {
    return bytes
  }
}

const lower = (address: Address) => address.toLowerCase() as Address
