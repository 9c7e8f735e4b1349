import { hash } from 'node:crypto'
import { fromBinary } from '@bufbuild/protobuf'
import type {
  BundleAgent,
  BundleCanaries,
  BundleCanary,
  ClientJobRecord,
  JobRecord,
} from '../../epoch/index.ts'
import { canaryCommitment, clientJobProof, jobId, proofOfExecution, taskKindOf } from '../../epoch/index.ts'
import { TaskResultSchema, WitnessSchema } from '../../gen/apiary/v1/swarm_pb.js'
import { toHex } from '../../validation/index.ts'
import type { Store } from '../store/index.ts'

export interface CollectedEpoch {
  epoch: number
  startedAt: number
  closedAt: number
  blocks: { from: number | null; to: number | null }
  revenue: bigint
  jobs: JobRecord[]
  agents: BundleAgent[]
  canaries: BundleCanaries
  clientJobs: ClientJobRecord[]
}

/**
 * A closed epoch's scored work as job records (docs/spec/epoch-merkle.md#job-record): the results scored
 * in [start, close) — what closeEpoch weighed — in (block, transaction, level, agent, task) order, each
 * agent's payout wallet as fixed at close, and every agent's uptime in the epoch.
 */
export async function collectEpoch(store: Store, epoch: number, chainId: number): Promise<CollectedEpoch> {
  const row = await store.epochs.get(epoch)
  if (row?.closed_at == null) throw new Error(`epoch ${epoch} is not closed`)
  const closedAt = row.closed_at
  const rows = await store.epochs.scoredWork(epoch, row.started_at, closedAt)
  // The proof of execution's input: each inclusion's witness digest, the witnesses streamed in one pass.
  const inputDigests = new Map<string, `0x${string}`>()
  for await (const w of store.epochs.scoredWitnesses(row.started_at, closedAt))
    inputDigests.set(w.key, `0x${hash('sha256', w.witness, 'hex')}`)
  const inputDigest = (key: string) => inputDigests.get(key) ?? `0x${hash('sha256', new Uint8Array(), 'hex')}`
  const iso = (ms: number) => new Date(ms).toISOString()
  const jobs = rows.map((r, i): JobRecord => {
    const submitted = r.assigned_at ?? r.received_at
    const result = fromBinary(TaskResultSchema, r.result)
    return {
      id: jobId(epoch, i + 1),
      type: `tx.validate.l${r.level}`,
      agent: r.wallet.toLowerCase(),
      agent_id: r.agent_id,
      source: {
        chain_id: chainId,
        block: r.block_number,
        tx_hash: r.tx_hash.toLowerCase(),
        tx_index: r.tx_index,
      },
      fee: '0',
      execution_ms: Math.max(0, r.received_at - submitted),
      poe_hash: proofOfExecution({ input: inputDigest(r.inclusion), result: r.result, agent: r.wallet }),
      submitted_at: iso(submitted),
      completed_at: iso(Math.max(submitted, r.received_at)),
      verdict: result.valid ? 'valid' : 'invalid',
      matched: r.matched === 1,
      kind: taskKindOf(r.source),
      committed_at: iso(r.received_at),
      block_seen_at: r.seen_at === null ? null : iso(r.seen_at),
      block_absent_at: r.absent_at === null ? null : iso(r.absent_at),
    }
  })
  const agents = (await store.epochs.uptime(epoch)).map(
    (a): BundleAgent => ({
      agentId: a.agent_id,
      address: a.wallet.toLowerCase(),
      uptimeSeconds: Math.floor(a.ms / 1000),
    }),
  )
  // What the jobs cannot show: canary skips judged deliberate, and exclusions (closeEpoch decided both).
  const byId = new Map(agents.map((a) => [a.agentId, a]))
  for (const a of await store.epochs.flagged(epoch, closedAt)) {
    const agent = byId.get(a.agent_id) ?? { agentId: a.agent_id, address: a.wallet, uptimeSeconds: 0 }
    if (!byId.has(a.agent_id)) agents.push(agent)
    if (a.skipped > 0) agent.canariesSkipped = a.skipped
    if (a.excluded === 1) agent.excluded = true
  }
  return {
    epoch,
    canaries: await collectCanaries(store, epoch),
    startedAt: row.started_at,
    closedAt,
    blocks: { from: row.start_block, to: row.end_block },
    // A carried epoch's reward went to the next epoch: its bundle distributes nothing.
    revenue: row.settlement === 'carried' ? 0n : BigInt(row.reward_wei),
    jobs,
    agents,
    clientJobs: await collectClientJobs(store, epoch),
  }
}

/**
 * The client jobs the epoch charged (docs/spec/bundle.md#client-jobs): the agents whose answer was used are
 * those that gave the agreed output (a simulation) or the one that served (a chat).
 */
async function collectClientJobs(store: Store, epoch: number): Promise<ClientJobRecord[]> {
  const { jobs, answers } = await store.jobs.sealable(epoch)
  const byJob = new Map<string, typeof answers>()
  for (const a of answers) {
    const list = byJob.get(a.job_id) ?? []
    list.push(a)
    byJob.set(a.job_id, list)
  }
  const iso = (ms: number) => new Date(ms).toISOString()
  return jobs.map((job): ClientJobRecord => {
    const all = byJob.get(job.id) ?? []
    const scored = job.type === 'evm.simulate'
    const used = scored ? all.filter((a) => a.output_sha256 === job.output_sha256) : all
    const finished = job.finished_at ?? job.created_at
    return {
      id: job.id,
      client: job.client,
      type: job.type as ClientJobRecord['type'],
      asset: job.asset,
      fee: job.fee ?? '0',
      execution_ms: Math.max(0, ...used.map((a) => a.execution_ms)),
      poe_hash: clientJobProof({
        input: job.input,
        witness: job.witness,
        outputSha256: job.output_sha256 ?? '',
        agents: used.map((a) => a.wallet),
      }),
      agents: all.map((a) => ({
        agent_id: a.agent_id,
        agent: a.wallet.toLowerCase(),
        matched: scored ? a.output_sha256 === job.output_sha256 : null,
      })),
      submitted_at: iso(job.created_at),
      completed_at: iso(Math.max(job.created_at, finished)),
    }
  })
}

/** The canaries made from an epoch's seed, revealed in its bundle with the seed and the next commitment. */
async function collectCanaries(store: Store, epoch: number): Promise<BundleCanaries> {
  const seed = await store.epochs.canarySeed(epoch)
  const next = await store.epochs.canarySeed(epoch + 1)
  const byHash = new Map<string, BundleCanary>()
  for (const row of await store.epochs.canaries(epoch)) {
    const made = JSON.parse(row.canary ?? '{}') as { index: number; variant: BundleCanary['variant'] }
    const level = Number(row.key.split(':')[1])
    const canary = byHash.get(row.tx_hash) ?? {
      tx_hash: row.tx_hash,
      index: made.index,
      variant: made.variant,
      transaction: toHex(fromBinary(WitnessSchema, row.witness).transaction),
      witness: toHex(row.witness),
      expected: { l1: {}, l2: {}, l3: {} },
    }
    canary.expected[`l${level}` as 'l1' | 'l2' | 'l3'] = JSON.parse(row.truth ?? '{}') as Record<
      string,
      unknown
    >
    byHash.set(row.tx_hash, canary)
  }
  return {
    seed,
    nextCommitment: next === null ? null : canaryCommitment(next),
    list: [...byHash.values()],
  }
}
