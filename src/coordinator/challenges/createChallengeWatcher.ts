import { type Address, encodeFunctionData, type LocalAccount } from 'viem'
import { connectChain } from '../../chain/index.ts'
import {
  type Calibration,
  type ChallengeCapacity,
  type ChallengeIndex,
  type ChallengeRecord,
  type ChallengeValidation,
  calibrateCapacity,
  challengeMetrics,
  challengeValidationCall,
  createChallengeIndex,
  expectedAnswers,
  finalizeChallengeCall,
  finalizedOf,
  openChallengeCall,
  openedOf,
  readCapacityBound,
  readChallengeValidation,
  registeredAgents,
} from '../../challenge/index.ts'
import type { Logger } from '../../internal/logger.ts'
import type { Outbox } from '../outbox/index.ts'

export interface ChallengeWatcherOptions {
  logger: Logger
  rpcUrl: string
  contract: Address
  /** The first block to index (the contract's deployment). */
  fromBlock?: bigint | undefined
  pollMs?: number
  /**
   * The runner's outbox (the leader's, its writes fenced by the lease term): every transaction of the runner
   * is signed, stored, broadcast and followed through it. Undefined (a standby): the runner does nothing.
   */
  outbox?: (() => Outbox | undefined) | undefined
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
        /** Never pay more than this per gas for the runner's transactions (wei). */
        maxFeePerGasWei: bigint
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
  const { client } = await connectChain(options.rpcUrl)
  const index = createChallengeIndex({ client, address: contract, fromBlock: options.fromBlock ?? 0n })
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

  /** Challenges this runner finalized, and ones whose ERC-8004 validation request is mined. */
  const finalizing = new Set<bigint>()
  const validated = new Set<bigint>()
  const run = async (head: bigint) => {
    const outbox = options.outbox?.()
    if (runner === undefined || outbox === undefined) return
    const key = (what: string) => `challenge:${contract.toLowerCase()}:${what}`
    // Transactions stored and sent before (by this leader or one that died) are followed until mined.
    await outbox.follow(key(''))
    // Each open challenge of this creator asks for its validation once, before it can be finalized (the
    // contract answers the request when it finalizes); a request mined under an earlier leader counts.
    for (const record of index.list()) {
      if (!mine(record) || record.finalized !== undefined || validated.has(record.id)) continue
      const id = record.id.toString()
      const subject = key(`${id}:validation`)
      if (await outbox.mined(subject)) {
        validated.add(record.id)
        continue
      }
      const step = await outbox.step(subject, {
        build: async () => {
          const made = await challengeValidationCall(client, {
            contract,
            owner: runner.creator.address,
            id: record.id,
          })
          if (made === undefined) throw new Error('the swarm is not registered for validations')
          return {
            to: made.call.address,
            data: encodeFunctionData(made.call),
            value: 0n,
            what: `the validation request of challenge ${id}`,
          }
        },
      })
      if (step.state === 'mined') validated.add(record.id)
    }
    for (const record of index.list()) {
      if (
        !mine(record) ||
        record.finalized !== undefined ||
        head <= record.revealDeadline ||
        failed.has(record.id) ||
        finalizing.has(record.id)
      )
        continue
      try {
        const id = record.id.toString()
        const step = await outbox.step(key(`${id}:finalize`), {
          build: async () => {
            const answers = await expectedAnswers(record, { signal: closing.signal, threads: 1 })
            return {
              to: contract,
              data: encodeFunctionData(finalizeChallengeCall(contract, record.id, answers)),
              value: 0n,
              what: `finalizing challenge ${id}`,
              log: { message: 'finalizing a challenge', fields: { challenge: id } },
            }
          },
        })
        if (step.state !== 'mined') continue
        finalizing.add(record.id)
        const result = finalizedOf(step.receipt)
        logger.info(
          { challenge: id, score: result.score, answered: result.answered, passed: result.passed },
          'challenge finalized',
        )
      } catch (error) {
        failed.add(record.id)
        logger.warn({ challenge: record.id.toString(), err: error }, 'finalizing a challenge failed')
      }
    }
    // The next challenge: its key counts this creator's challenges, so a creation stored by a leader that
    // died is followed by the next one, not made twice.
    const created = index.list().filter(mine).length
    const opening = key(`open:${created + 1}`)
    const open = index.list().some((r) => mine(r) && r.finalized === undefined && !failed.has(r.id))
    if (open || Date.now() - lastOpened < runner.everyMs) return
    const invitees = await registeredAgents(client, { contract, creator: runner.creator.address })
    if (invitees.length === 0) {
      lastOpened = Date.now()
      logger.info('no challenge this time: no registered agent consents to challenges from this creator')
      return
    }
    calibration ??= await calibrateCapacity({ seconds: 0.5 })
    const machineClass = calibration
    lastOpened = Date.now() // attempts, failed ones too, are spaced by everyMs
    const step = await outbox.step(opening, {
      build: async () => ({
        to: contract,
        data: encodeFunctionData(
          openChallengeCall({
            contract,
            agents: invitees.map((a) => a.agentId),
            difficulty: BigInt(Math.ceil(machineClass.gasPerSecond * runner.taskSeconds)),
            machineClass,
            commitBlocks: runner.commitBlocks,
            revealBlocks: runner.revealBlocks,
          }),
        ),
        value: 0n,
        what: 'opening a challenge',
        log: { message: 'opening a challenge', fields: { invitees: invitees.length } },
      }),
    })
    // Sent: the index shows it once mined (a pending one is followed in everyMs, with the same key).
    if (step.state !== 'mined') return
    const opened = openedOf(step.receipt)
    logger.info({ challenge: opened.id.toString(), agents: invitees.length }, 'challenge opened')
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
