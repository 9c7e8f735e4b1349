import { createHash, randomBytes } from 'node:crypto'
import { create, fromBinary, toBinary } from '@bufbuild/protobuf'
import type { z } from 'zod'
import type { jobs as api } from '../../api/index.ts'
import { canonicalJson } from '../../epoch/index.ts'
import { type JobResult, type JobTask, JobTaskSchema, WitnessSchema } from '../../gen/apiary/v1/swarm_pb.js'
import type { Logger } from '../../internal/logger.ts'
import { witnessToMessage } from '../../protocol/index.ts'
import type { SimulationInput, Witness } from '../../validation/index.ts'
import type { JobRow, JobState, Store } from '../store/index.ts'

export type JobRequest = z.output<typeof api.JobRequest>
export type Asset = JobRequest['asset']

/** The operator's price list: per unit (a transaction of `evm.simulate`), per asset, in base units. */
export interface JobPrices {
  'evm.simulate': Record<Asset, bigint>
}

/** Prices when the operator sets none: 10^12 wei (coin) or 1,000 base units (token) per simulated transaction. */
export const DEFAULT_JOB_PRICES: JobPrices = { 'evm.simulate': { coin: 10n ** 12n, token: 1000n } }

export interface JobBoardDependencies {
  store: Store
  logger: Logger
  /** What the client holds in the escrow, less its announced withdrawal, at a confirmed block (given). */
  escrowBalance: (client: `0x${string}`, asset: Asset) => Promise<{ amount: bigint; block: number }>
  /** The simulation witness of an input (chain/jobs simulationWitness). */
  buildWitness: (input: SimulationInput) => Promise<Witness>
  /**
   * Hands a job round's dispatch key to the task hub: `answered` count as the round's answers, `excluded`
   * (every agent that answered the job) never get it.
   */
  enqueue: (key: string, agents: { answered: string[]; excluded: string[] }) => void
  prices: JobPrices
  /** Agents whose equal answers complete a job (the coordinator's --redundancy). */
  redundancy: number
  /** Dispatch rounds before a job without a majority fails (default 3). */
  maxRounds?: number
  /** Open jobs one client may hold (default 256). */
  maxOpenPerClient?: number
  now?: () => number
}

export type SubmitOutcome =
  | { ok: true; job: JobRow }
  | { ok: false; status: 400 | 402 | 429; body: { code: string; message: string } & Record<string, string> }

/** A job to admit: what it may cost at most, what it costs at least, its input's canonical JSON. */
export interface Reservation {
  type: string
  asset: Asset
  maxFee: bigint
  price: bigint
  input: string
  ttlSeconds: number
}

export interface JobBoard {
  submit(client: `0x${string}`, request: JobRequest): Promise<SubmitOutcome>
  /** Admits a job that another part runs (an llm.chat): reserved, stored queued, dispatched by the caller. */
  reserve(client: `0x${string}`, job: Reservation): Promise<SubmitOutcome>
  /** The job went to its agent. */
  started(id: string): Promise<void>
  /**
   * Ends a reserved job: completed, charged `fee` (at most its max fee) with its output and the agent's
   * answer, or failed (released). False when it was no longer open (canceled, expired).
   */
  finish(
    id: string,
    outcome:
      | { fee: bigint; output: string; agentId: string; taskId: string; executionMs: number }
      | { error: string },
  ): Promise<boolean>
  /** Cancels an open job of the client: the row after, or why not. */
  cancel(client: string, id: string): Promise<JobRow | 'not-found' | 'finished'>
  /** The task an agent is handed for a job's dispatch key (undefined: the job is no longer open). */
  task(key: string): Promise<JobTask | undefined>
  /** Stores an agent's accepted answer (before it is acknowledged) and decides the job when it can. */
  answer(agentId: string, taskId: string, key: string, result: JobResult): Promise<void>
  /** Expires overdue jobs and re-queues open ones that wait for agents; call periodically. */
  tick(): Promise<void>
  /** Queues the store's open jobs again (a new leader). */
  restore(): Promise<number>
}

/** `job:<id>` in round 1, `job:<id>:r<n>` after: the hub's inclusion key of a job's dispatch round. */
export const jobKey = (id: string, round: number) => (round === 1 ? `job:${id}` : `job:${id}:r${round}`)
export const jobIdOf = (key: string) => key.slice(4).split(':')[0] as string

const OPEN: JobState[] = ['queued', 'running']
const MAX_OUTPUT_BYTES = 1024 * 1024
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/**
 * Client jobs on the leader (docs/spec/jobs.md): admission against the client's escrow balance (the max
 * fee reserved), dispatch to `redundancy` agents through the task hub, the decision by a strict majority of
 * at least `redundancy` equal outputs (re-dispatched to more agents on a disagreement), cancel and expiry.
 * Every transition is one conditional write: whatever runs twice, a job is charged at most once.
 */
export function createJobBoard(deps: JobBoardDependencies): JobBoard {
  const { store, logger, redundancy } = deps
  const now = deps.now ?? Date.now
  const maxRounds = deps.maxRounds ?? 3
  const maxOpen = deps.maxOpenPerClient ?? 256
  /** Admissions of one client run one at a time: two cannot spend the same balance. */
  const admitting = new Map<string, Promise<unknown>>()
  const serialize = <T>(client: string, work: () => Promise<T>): Promise<T> => {
    const previous = admitting.get(client) ?? Promise.resolve()
    const next = previous.then(work, work)
    const tail = next.catch(() => {})
    admitting.set(client, tail)
    void tail.then(() => {
      if (admitting.get(client) === tail) admitting.delete(client)
    })
    return next
  }

  /** Why the client's available balance does not admit `job` now, if it does not. */
  const refusal = async (
    client: `0x${string}`,
    job: Reservation,
    balance: { amount: bigint; block: number },
  ): Promise<SubmitOutcome | undefined> => {
    // Charges mined after the block the balance was read at are still in it: they count as held.
    const holds = await store.jobs.holds(client, job.asset, balance.block)
    if (holds.open >= maxOpen)
      return {
        ok: false,
        status: 429,
        body: { code: 'TOO_MANY_JOBS', message: `at most ${maxOpen} open jobs per client` },
      }
    const available = balance.amount - holds.reserved - holds.charged
    if (available >= job.maxFee) return undefined
    const shown = (available > 0n ? available : 0n).toString()
    return {
      ok: false,
      status: 402,
      body: {
        code: 'PAYMENT_REQUIRED',
        message: `this job reserves ${job.maxFee} but ${shown} is available`,
        needed: job.maxFee.toString(),
        available: shown,
        asset: job.asset,
      },
    }
  }

  /**
   * Admits a job: its max fee must cover `price` and the client's available balance (escrow balance, less
   * announced withdrawals, open reservations and charges not yet on-chain) must cover its max fee. The
   * escrow is read and `prepare` (the witness) runs concurrently with other admissions; the balance is
   * checked again and the job stored (queued, its max fee reserved) one admission at a time per client, so
   * two cannot spend one balance.
   */
  const admit = async (
    client: `0x${string}`,
    job: Reservation,
    prepare: () => Promise<{ witness: Uint8Array | null } | SubmitOutcome>,
  ): Promise<SubmitOutcome> => {
    if (job.maxFee < job.price)
      return {
        ok: false,
        status: 400,
        body: {
          code: 'FEE_BELOW_PRICE',
          message: `maxFee ${job.maxFee} is below the job's price ${job.price}`,
        },
      }
    const balance = await deps.escrowBalance(client, job.asset)
    const early = await refusal(client, job, balance)
    if (early !== undefined) return early
    const prepared = await prepare()
    if ('ok' in prepared) return prepared
    return serialize(client, async () => {
      const late = await refusal(client, job, balance)
      if (late !== undefined) return late
      const at = now()
      const row: JobRow = {
        id: randomBytes(16).toString('hex'),
        client,
        type: job.type,
        asset: job.asset,
        state: 'queued',
        max_fee: job.maxFee.toString(),
        fee: null,
        input: job.input,
        witness: prepared.witness,
        output: null,
        output_sha256: null,
        error: null,
        rounds: 1,
        epoch: null,
        created_at: at,
        started_at: null,
        finished_at: null,
        expires_at: at + job.ttlSeconds * 1000,
      }
      await store.jobs.insert(row)
      return { ok: true as const, job: row }
    })
  }

  /** The simulation witness of a request, or the 400 that says why there is none. */
  const simulationWitnessOf = async (client: string, request: JobRequest) => {
    try {
      const witness = await deps.buildWitness(request.input)
      return { witness: toBinary(WitnessSchema, witnessToMessage(witness, { full: true })) }
    } catch (error) {
      logger.warn({ err: error, client }, 'cannot build a simulation witness')
      const code = (error as { code?: string }).code
      return {
        ok: false as const,
        status: 400 as const,
        body: {
          code: 'SIMULATION_UNAVAILABLE',
          message:
            code === 'APIARY_BLOCK_UNKNOWN'
              ? 'the chain has no such block'
              : 'the followed chain cannot trace this simulation',
        },
      }
    }
  }

  /** Decides a job from its answers: complete, re-dispatch, fail or wait. */
  const decide = async (job: JobRow) => {
    const results = await store.jobs.results(job.id)
    const counts = new Map<string, number>()
    for (const r of results) counts.set(r.output_sha256, (counts.get(r.output_sha256) ?? 0) + 1)
    const [best, votes] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? ['', 0]
    const at = now()
    if (votes >= redundancy && votes * 2 > results.length) {
      const agreed = results.find((r) => r.output_sha256 === best)?.output as string
      const incomplete = (JSON.parse(agreed) as { unwitnessed?: unknown[] }).unwitnessed?.length ?? 0
      const price =
        deps.prices[job.type as 'evm.simulate'][job.asset] *
        BigInt((JSON.parse(job.input) as SimulationInput).transactions.length)
      const fee = price < BigInt(job.max_fee) ? price : BigInt(job.max_fee)
      const done = await store.transaction(async (ops) => {
        const moved =
          incomplete > 0
            ? await ops.jobs.transition(job.id, OPEN, {
                state: 'failed',
                error: 'WITNESS_INCOMPLETE',
                output: agreed,
                output_sha256: best,
                finished_at: at,
              })
            : await ops.jobs.transition(job.id, OPEN, {
                state: 'completed',
                fee: fee.toString(),
                output: agreed,
                output_sha256: best,
                finished_at: at,
              })
        if (moved) await ops.jobs.score(job.id, best)
        return moved
      })
      if (done) logger.info({ job: job.id, agents: results.length }, 'job decided')
      return
    }
    if (results.length < redundancy * job.rounds) return
    if (job.rounds >= maxRounds) {
      await store.transaction(async (ops) => {
        if (
          await ops.jobs.transition(job.id, OPEN, { state: 'failed', error: 'NO_AGREEMENT', finished_at: at })
        )
          await ops.jobs.score(job.id, undefined)
      })
      return
    }
    const round = job.rounds + 1
    if (await store.jobs.transition(job.id, OPEN, { state: 'running', rounds: round }))
      deps.enqueue(jobKey(job.id, round), { answered: [], excluded: results.map((r) => r.agent_id) })
  }

  /** Queues a job's current round again (a no-op while the hub holds it): answers beyond earlier rounds count. */
  const requeue = async (job: JobRow) => {
    const agents = (await store.jobs.results(job.id)).map((r) => r.agent_id)
    const earlier = redundancy * (job.rounds - 1)
    deps.enqueue(jobKey(job.id, job.rounds), { answered: agents.slice(earlier), excluded: agents })
  }

  return {
    async submit(client, request) {
      const outcome = await admit(
        client,
        {
          type: request.type,
          asset: request.asset,
          maxFee: BigInt(request.maxFee),
          price: deps.prices[request.type][request.asset] * BigInt(request.input.transactions.length),
          input: canonicalJson(request.input),
          ttlSeconds: request.ttlSeconds,
        },
        () => simulationWitnessOf(client, request),
      )
      if (outcome.ok) deps.enqueue(jobKey(outcome.job.id, 1), { answered: [], excluded: [] })
      return outcome
    },

    async reserve(client, job) {
      return admit(client, job, async () => ({ witness: null }))
    },

    async finish(id, outcome) {
      const at = now()
      if ('error' in outcome)
        return store.jobs.transition(id, OPEN, { state: 'failed', error: outcome.error, finished_at: at })
      const job = await store.jobs.get(id)
      if (job === undefined) return false
      const fee = outcome.fee < BigInt(job.max_fee) ? outcome.fee : BigInt(job.max_fee)
      const sha = sha256(outcome.output)
      return store.transaction(async (ops) => {
        const moved = await ops.jobs.transition(id, OPEN, {
          state: 'completed',
          fee: fee.toString(),
          output: outcome.output,
          output_sha256: sha,
          finished_at: at,
        })
        if (moved)
          await ops.jobs.addResult({
            job_id: id,
            agent_id: outcome.agentId,
            task_id: outcome.taskId,
            output: outcome.output,
            output_sha256: sha,
            execution_ms: outcome.executionMs,
            received_at: at,
          })
        return moved
      })
    },

    async started(id) {
      await store.jobs.transition(id, ['queued'], { state: 'running', started_at: now() })
    },

    async cancel(client, id) {
      const job = await store.jobs.get(id)
      if (job === undefined || job.client !== client) return 'not-found'
      const moved = await store.jobs.transition(id, OPEN, { state: 'canceled', finished_at: now() })
      if (!moved) return 'finished'
      return (await store.jobs.get(id)) as JobRow
    },

    async task(key) {
      const id = jobIdOf(key)
      const job = await store.jobs.get(id)
      if (job === undefined || !OPEN.includes(job.state) || job.witness === null) return undefined
      if (job.state === 'queued')
        await store.jobs.transition(id, ['queued'], { state: 'running', started_at: now() })
      return create(JobTaskSchema, {
        jobId: id,
        type: job.type,
        input: new TextEncoder().encode(job.input),
        witness: fromBinary(WitnessSchema, job.witness),
      })
    },

    async answer(agentId, taskId, key, result) {
      const id = jobIdOf(key)
      const text = new TextDecoder().decode(result.output)
      let canonical: string
      try {
        if (result.output.length > MAX_OUTPUT_BYTES) throw new Error('too large')
        canonical = canonicalJson(JSON.parse(text))
      } catch {
        canonical = JSON.stringify({ malformed: true })
      }
      const added = await store.jobs.addResult({
        job_id: id,
        agent_id: agentId,
        task_id: taskId,
        output: canonical,
        output_sha256: sha256(canonical),
        execution_ms: result.executionMs,
        received_at: now(),
      })
      const job = await store.jobs.get(id)
      if (!added || job === undefined) return
      if (OPEN.includes(job.state)) await decide(job)
      else if (job.output_sha256 !== null) await store.jobs.score(id, job.output_sha256)
    },

    async tick() {
      const at = now()
      for (const id of await store.jobs.overdue(at))
        await store.jobs.transition(id, OPEN, { state: 'expired', finished_at: at })
      for (const job of await store.jobs.open()) if (job.type === 'evm.simulate') await requeue(job)
    },

    async restore() {
      const open = await store.jobs.open()
      for (const job of open)
        if (job.type === 'evm.simulate') await requeue(job)
        // A chat is answered on the connection that asked it, which a restart closed: released.
        else
          await store.jobs.transition(job.id, OPEN, {
            state: 'failed',
            error: 'INTERRUPTED',
            finished_at: now(),
          })
      return open.length
    },
  }
}
