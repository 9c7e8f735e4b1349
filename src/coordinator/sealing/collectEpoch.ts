import { hash } from 'node:crypto'
import { fromBinary } from '@bufbuild/protobuf'
import type { BundleAgent, BundleCanaries, BundleCanary, JobRecord } from '../../epoch/index.ts'
import { canaryCommitment, jobId, proofOfExecution, taskKindOf } from '../../epoch/index.ts'
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
}

type Row = {
  task_id: string
  inclusion: string
  level: number
  agent_id: string
  received_at: number
  result: Uint8Array
  matched: number
  assigned_at: number | null
  block_number: number
  tx_index: number
  tx_hash: string
  wallet: string
  source: string
  seen_at: number | null
  absent_at: number | null
}

/**
 * A closed epoch's scored work as job records (docs/spec/epoch-merkle.md#job-record): the results scored
 * in [start, close) — what closeEpoch weighed — in (block, transaction, level, agent, task) order, each
 * agent's payout wallet as fixed at close, and every agent's uptime in the epoch.
 */
export function collectEpoch(store: Store, epoch: number, chainId: number): CollectedEpoch {
  const { sqlite } = store
  const row = sqlite
    .prepare<
      [number],
      {
        started_at: number
        closed_at: number | null
        start_block: number | null
        end_block: number | null
        reward_wei: string
        settlement: string
      }
    >(
      'SELECT started_at, closed_at, start_block, end_block, reward_wei, settlement FROM epochs WHERE number = ?',
    )
    .get(epoch)
  if (row?.closed_at == null) throw new Error(`epoch ${epoch} is not closed`)
  const rows = sqlite
    .prepare<[number, number, number], Row>(
      `SELECT r.task_id, r.inclusion, r.level, r.agent_id, r.received_at, r.result, r.matched, a.assigned_at,
              i.block_number, i.tx_index, i.tx_hash, ea.wallet, i.source, i.seen_at, i.absent_at
       FROM results r
       JOIN inclusions i ON i.key = r.inclusion
       JOIN epoch_agents ea ON ea.epoch = ? AND ea.agent_id = r.agent_id
       LEFT JOIN assignments a ON a.task_id = r.task_id
       WHERE r.scored_at >= ? AND r.scored_at < ?
       ORDER BY i.block_number, i.tx_index, r.level, r.agent_id, r.task_id`,
    )
    .all(epoch, row.started_at, row.closed_at)
  // The proof of execution's input: each inclusion's witness digest, the witnesses streamed in one pass.
  const inputDigests = new Map<string, `0x${string}`>()
  for (const w of sqlite
    .prepare<[number, number], { key: string; witness: Uint8Array }>(
      'SELECT key, witness FROM inclusions WHERE key IN (SELECT inclusion FROM results WHERE scored_at >= ? AND scored_at < ?)',
    )
    .iterate(row.started_at, row.closed_at))
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
  const agents = sqlite
    .prepare<[number, number], { agent_id: string; wallet: string; ms: number }>(
      `SELECT u.agent_id, COALESCE(ea.wallet, a.payout_wallet) AS wallet, u.ms FROM epoch_uptime u
       JOIN agents a ON a.id = u.agent_id LEFT JOIN epoch_agents ea ON ea.epoch = ? AND ea.agent_id = u.agent_id
       WHERE u.epoch = ? ORDER BY u.agent_id`,
    )
    .all(epoch, epoch)
    .map(
      (a): BundleAgent => ({
        agentId: a.agent_id,
        address: a.wallet.toLowerCase(),
        uptimeSeconds: Math.floor(a.ms / 1000),
      }),
    )
  // What the jobs cannot show: canary skips judged deliberate, and exclusions (closeEpoch decided both).
  const byId = new Map(agents.map((a) => [a.agentId, a]))
  for (const a of sqlite
    .prepare<[number, number], { agent_id: string; wallet: string; skipped: number; excluded: number }>(
      `SELECT ea.agent_id, ea.wallet, ea.canaries_skipped AS skipped,
              (a.excluded_at IS NOT NULL AND a.excluded_at < ?) AS excluded
       FROM epoch_agents ea JOIN agents a ON a.id = ea.agent_id
       WHERE ea.epoch = ? AND (ea.canaries_skipped > 0 OR a.excluded_at IS NOT NULL) ORDER BY ea.agent_id`,
    )
    .all(row.closed_at, epoch)) {
    const agent = byId.get(a.agent_id) ?? { agentId: a.agent_id, address: a.wallet, uptimeSeconds: 0 }
    if (!byId.has(a.agent_id)) agents.push(agent)
    if (a.skipped > 0) agent.canariesSkipped = a.skipped
    if (a.excluded === 1) agent.excluded = true
  }
  return {
    epoch,
    canaries: collectCanaries(store, epoch),
    startedAt: row.started_at,
    closedAt: row.closed_at,
    blocks: { from: row.start_block, to: row.end_block },
    // A carried epoch's reward went to the next epoch: its bundle distributes nothing.
    revenue: row.settlement === 'carried' ? 0n : BigInt(row.reward_wei),
    jobs,
    agents,
  }
}

/** The canaries made from an epoch's seed, revealed in its bundle with the seed and the next commitment. */
function collectCanaries(store: Store, epoch: number): BundleCanaries {
  const { sqlite } = store
  const seedOf = sqlite.prepare<[number], { canary_seed: string | null }>(
    'SELECT canary_seed FROM epochs WHERE number = ?',
  )
  const seed = seedOf.get(epoch)?.canary_seed ?? null
  const next = seedOf.get(epoch + 1)?.canary_seed ?? null
  const byHash = new Map<string, BundleCanary>()
  for (const row of sqlite
    .prepare<[number], { key: string; tx_hash: string; witness: Uint8Array; truth: string; canary: string }>(
      `SELECT key, tx_hash, witness, truth, canary FROM inclusions
       WHERE source = 'canary' AND json_extract(canary, '$.epoch') = ? ORDER BY tx_hash, key`,
    )
    .iterate(epoch)) {
    const made = JSON.parse(row.canary) as { index: number; variant: BundleCanary['variant'] }
    const level = Number(row.key.split(':')[1])
    const canary = byHash.get(row.tx_hash) ?? {
      tx_hash: row.tx_hash,
      index: made.index,
      variant: made.variant,
      transaction: toHex(fromBinary(WitnessSchema, row.witness).transaction),
      witness: toHex(row.witness),
      expected: { l1: {}, l2: {}, l3: {} },
    }
    canary.expected[`l${level}` as 'l1' | 'l2' | 'l3'] = JSON.parse(row.truth) as Record<string, unknown>
    byHash.set(row.tx_hash, canary)
  }
  return {
    seed,
    nextCommitment: next === null ? null : canaryCommitment(next),
    list: [...byHash.values()],
  }
}
