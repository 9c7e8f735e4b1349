import { type Address, createWalletClient, type LocalAccount } from 'viem'
import { connectChain, rpcTransport } from '../../chain/index.ts'
import {
  type Calibration,
  type ChallengeCapacity,
  type ChallengeIndex,
  type ChallengeRecord,
  type ChallengeValidation,
  calibrateCapacity,
  challengeMetrics,
  createChallengeIndex,
  expectedAnswers,
  finalizeChallenge,
  openChallenge,
  readCapacityBound,
  readChallengeValidation,
  registeredAgents,
  requestChallengeValidation,
} from '../../challenge/index.ts'
import type { Logger } from '../../internal/logger.ts'

export interface ChallengeWatcherOptions {
  logger: Logger
  rpcUrl: string
  contract: Address
  /** The first block to index (the contract's deployment). */
  fromBlock?: bigint | undefined
  pollMs?: number
  /** The runner acts only while this says so (a replica runs challenges only while it leads); default always. */
  leading?: (() => boolean) | undefined
  /** Run challenges: open one every `everyMs` for every registered agent, and finalize it after its window. */
  runner?:
    | {
        creator: LocalAccount
        everyMs: number
        commitBlocks: number
        revealBlocks: number
        /**
         * Seconds each task takes one core of this machine (measured once, `calibrateCapacity`): the difficulty.
         * A swarm on one machine, as `apiary up` runs, passes only with tasks short enough to share its cores.
         */
        taskSeconds: number
      }
    | undefined
}

export interface LastChallenge {
  /** The newest challenge and where it stands. */
  id: bigint
  phase: string
  /** The newest finalized challenge (perhaps the same) and its on-chain score. */
  finalized: { id: bigint; score: number; passed: boolean } | undefined
}

export interface ChallengeWatcher {
  index: ChallengeIndex
  /** The newest challenge and, once finalized, its score. */
  last(): LastChallenge | undefined
  /** A finalized challenge's ERC-8004 validation, read once after its finalization (undefined: none). */
  validation(id: bigint): ChallengeValidation | undefined
  /** A finalized challenge's capacity bound, computed once after its finalization (undefined: none). */
  capacity(id: bigint): ChallengeCapacity | undefined
  close(): Promise<void>
}

/**
 * The coordinator's view of a SwarmChallenge: an index of its events kept current (for /v1/challenges), and,
 * with a runner, challenges opened on a schedule and finalized with the expected answers it computes itself.
 */
export async function createChallengeWatcher(options: ChallengeWatcherOptions): Promise<ChallengeWatcher> {
  const { logger, contract, runner, pollMs = 1_000 } = options
  const { chain, client } = await connectChain(options.rpcUrl)
  const index = createChallengeIndex({ client, address: contract, fromBlock: options.fromBlock ?? 0n })
  const wallet =
    runner === undefined
      ? undefined
      : createWalletClient({ account: runner.creator, chain, transport: rpcTransport(options.rpcUrl) })
  let calibration: Calibration | undefined
  const closing = new AbortController()
  let lastOpened = 0
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> = Promise.resolve()
  const failed = new Set<bigint>()
  /** What each finalized challenge established beyond its events (null: nothing), read once each. */
  const validations = new Map<bigint, ChallengeValidation | null>()
  const capacities = new Map<bigint, ChallengeCapacity | null>()
  const readFinalized = async () => {
    for (const record of index.list()) {
      if (record.finalized === undefined || validations.has(record.id)) continue
      const { verdicts } = challengeMetrics(record, index.head())
      capacities.set(record.id, (await readCapacityBound(client, record, verdicts)) ?? null)
      validations.set(record.id, (await readChallengeValidation(client, contract, record.id)) ?? null)
    }
  }

  const mine = (r: ChallengeRecord) =>
    runner !== undefined && r.creator.toLowerCase() === runner.creator.address.toLowerCase()

  const run = async (head: bigint) => {
    if (runner === undefined || wallet === undefined || options.leading?.() === false) return
    for (const record of index.list()) {
      if (
        !mine(record) ||
        record.finalized !== undefined ||
        head <= record.revealDeadline ||
        failed.has(record.id)
      )
        continue
      try {
        const answers = await expectedAnswers(record, { signal: closing.signal, threads: 1 })
        const result = await finalizeChallenge({ client, wallet, contract, id: record.id, answers })
        logger.info(
          {
            challenge: record.id.toString(),
            score: result.score,
            answered: result.answered,
            passed: result.passed,
          },
          'challenge finalized',
        )
      } catch (error) {
        failed.add(record.id)
        logger.warn({ challenge: record.id.toString(), err: error }, 'finalizing a challenge failed')
      }
    }
    const open = index.list().some((r) => mine(r) && r.finalized === undefined && !failed.has(r.id))
    if (open || Date.now() - lastOpened < runner.everyMs) return
    lastOpened = Date.now()
    const invitees = await registeredAgents(client, { contract, creator: wallet.account.address })
    if (invitees.length === 0) {
      logger.info('no challenge this time: no registered agent consents to challenges from this creator')
      return
    }
    calibration ??= await calibrateCapacity({ seconds: 0.5 })
    const opened = await openChallenge({
      client,
      wallet,
      contract,
      agents: invitees.map((a) => a.agentId),
      difficulty: BigInt(Math.ceil(calibration.gasPerSecond * runner.taskSeconds)),
      machineClass: calibration,
      commitBlocks: runner.commitBlocks,
      revealBlocks: runner.revealBlocks,
    })
    const validation = await requestChallengeValidation({ client, wallet, contract, id: opened.id })
    logger.info(
      {
        challenge: opened.id.toString(),
        agents: invitees.length,
        validationOf: validation?.agentId.toString(),
      },
      'challenge opened',
    )
  }

  const loop = () => {
    if (stopped) return
    running = (async () => {
      const head = await index.sync()
      await run(head)
      await readFinalized()
    })()
      .catch((error) =>
        logger.warn({ err: error }, 'challenges: reading or writing the chain failed; retrying'),
      )
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, pollMs)
      })
  }
  loop()

  return {
    index,
    validation: (id) => validations.get(id) ?? undefined,
    capacity: (id) => capacities.get(id) ?? undefined,
    last() {
      const newest = index.list()[0]
      if (newest === undefined) return undefined
      const done = index.list().find((r) => r.finalized !== undefined)
      return {
        id: newest.id,
        phase: challengeMetrics(newest, index.head()).phase,
        finalized:
          done?.finalized === undefined
            ? undefined
            : { id: done.id, score: done.finalized.score, passed: done.finalized.passed },
      }
    },
    async close() {
      stopped = true
      closing.abort()
      if (timer !== undefined) clearTimeout(timer)
      await running
    },
  }
}
