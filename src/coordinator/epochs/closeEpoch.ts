import { randomBytes } from 'node:crypto'
import {
  type AgentEpochWork,
  type AgentWeight,
  buildChargeTree,
  canarySkipsDeliberate,
  computeWeights,
  splitDeposit,
  taskKindOf,
  taskPoints,
  type WeightParameters,
} from '../../epoch/index.ts'
import type { Store, StoreOperations } from '../store/index.ts'

export interface EpochRewardParameters extends WeightParameters {
  /** Wei paid for one epoch, before the delegate's cut. */
  rewardWei: bigint
  /** The delegate's cut of the reward, in basis points; default 1000 (10 %). */
  delegateCutBps: number
}

export interface CloseEpochParameters {
  params: EpochRewardParameters
  /** The close time (ms): results scored before it belong to the closing epoch, later ones to the next. */
  now: number
  /** The chain's followed block at close, if any. */
  block?: number | undefined
}

export interface CloseEpochReturnType {
  epoch: number
  agents: AgentWeight[]
  totalWeight: bigint
  depositWei: bigint
  settlement: 'owed' | 'skipped' | 'carried'
  /** The reward this epoch passed on to the next one, because nobody earned in it (0 otherwise). */
  carriedWei: bigint
}

/** The delegate's cut and the deposit of one epoch's reward, in integer wei. */
export function rewardSplit(rewardWei: bigint, delegateCutBps: number): { cut: bigint; deposit: bigint } {
  const cut = (rewardWei * BigInt(delegateCutBps)) / 10_000n
  return { cut, deposit: rewardWei - cut }
}

/** Opens epoch 1 when the store has no epoch yet; returns the open epoch's number. */
export async function openEpoch(
  store: StoreOperations,
  { params, now, block }: CloseEpochParameters,
): Promise<number> {
  const open = await store.epochs.open()
  if (open !== undefined) return open.number
  const number = (await store.epochs.lastNumber()) + 1
  await insertEpoch(store, number, params, now, block)
  return number
}

/**
 * Closes the open epoch and opens the next, in one transaction (a crash leaves either both or neither):
 * every agent's results scored during the epoch become its weight (computeWeights), fixed in
 * `epoch_agents` with the amount the deposit gives it, and the epoch's settlement becomes `owed`.
 * An epoch in which nobody earned (the node was down, the coordinator swamped or restarting: nothing could
 * be scored) loses nothing: it becomes `carried` and its whole reward is added to the next epoch's, so the
 * agents paid for the work scored after the outage get it; results are paid in the epoch they are scored in,
 * however late. An epoch whose reward is 0 is `skipped`.
 */
export async function closeEpoch(
  store: Store,
  { params, now, block }: CloseEpochParameters,
): Promise<CloseEpochReturnType> {
  return store.transaction(async (ops) => {
    const number = await openEpoch(ops, { params, now, block })
    await chargeJobs(ops, number, now, params.delegateCutBps)
    const epoch = (await ops.epochs.get(number)) as {
      started_at: number
      deposit_wei: string
      reward_wei: string
    }
    // Results by agent and kind of work; points follow from the kind, the level, the match and whether the
    // answer was committed before its truth (taskPoints).
    const groups = await ops.epochs.workGroups(number, epoch.started_at, now)
    // Assignments whose deadline passed in the epoch, answered or not: skipped canaries are judged against
    // the agent's own expiry rate (canarySkipsDeliberate).
    const expiries = new Map(
      (await ops.epochs.expiries(epoch.started_at, now)).map((row) => [row.agent_id, row]),
    )
    const work = new Map<string, AgentEpochWork & { canariesPassed: number; canariesSkipped: number }>()
    for (const g of groups) {
      const w = work.get(g.agent_id) ?? {
        agentId: g.agent_id,
        wallet: g.wallet,
        scored: 0,
        matched: 0,
        points: 0n,
        canariesFailed: 0,
        canariesPassed: 0,
        canariesSkipped: 0,
      }
      work.set(g.agent_id, w)
      const kind = taskKindOf(g.source)
      const matched = g.matched === 1
      w.scored += g.n
      if (matched) w.matched += g.n
      // A canary of another epoch's seed (answered after its epoch closed, or made before the first
      // epoch) is not revealed in this epoch's bundle: it neither earns nor fails.
      if (g.revealed === 0) continue
      if (kind === 'canary') {
        if (matched) w.canariesPassed += g.n
        else w.canariesFailed += g.n
      }
      w.points += BigInt(
        taskPoints({ kind, level: g.level, matched, early: g.early === 1, invalid: g.invalid === 1 }) * g.n,
      )
    }
    const excluded = new Set(await ops.agents.excluded(now))
    for (const w of work.values()) {
      w.excluded = excluded.has(w.agentId)
      const x = expiries.get(w.agentId)
      if (x !== undefined && canarySkipsDeliberate(x)) {
        w.canariesSkipped = x.canariesSkipped
        w.canariesFailed += x.canariesSkipped
      }
    }
    const agents = computeWeights([...work.values()], params)
    const totalWeight = agents.reduce((sum, a) => sum + a.weight, 0n)
    const depositWei = BigInt(epoch.deposit_wei)
    const { credits } = splitDeposit({
      weights: new Map(agents.map((a) => [a.agentId, a.weight])),
      amount: depositWei,
    })
    await ops.epochs.addAgents(
      agents.map((a) => ({
        epoch: number,
        agent_id: a.agentId,
        wallet: a.wallet,
        scored: a.scored,
        matched: a.matched,
        accuracy_bps: a.accuracyBps,
        bonus: a.bonus ? 1 : 0,
        weight: a.weight.toString(),
        rank: a.rank,
        amount_wei: (credits.get(a.agentId) ?? 0n).toString(),
        points: a.points.toString(),
        canaries_passed: work.get(a.agentId)?.canariesPassed ?? 0,
        canaries_failed: a.canariesFailed,
        canaries_skipped: work.get(a.agentId)?.canariesSkipped ?? 0,
      })),
    )
    const rewardWei = BigInt(epoch.reward_wei)
    const settlement: CloseEpochReturnType['settlement'] =
      depositWei === 0n ? 'skipped' : totalWeight === 0n ? 'carried' : 'owed'
    const carriedWei = settlement === 'carried' ? rewardWei : 0n
    await ops.epochs.close(number, {
      at: now,
      block: block ?? null,
      totalWeight: totalWeight.toString(),
      scored: agents.reduce((s, a) => s + a.scored, 0),
      matched: agents.reduce((s, a) => s + a.matched, 0),
      settlement,
    })
    await insertEpoch(ops, number + 1, params, now, block === undefined ? undefined : block + 1, carriedWei)
    return { epoch: number, agents, totalWeight, depositWei, settlement, carriedWei }
  })
}

/**
 * The client jobs completed in the epoch join it: each client's charge per asset is fixed, with the charge
 * tree's root JobEscrow.charge will record, and the coin fees join the epoch's revenue (subsidy + fees),
 * split like the rest of it. Token fees are charged to the operator's wallet, not split (the reward pool
 * pays the coin).
 */
async function chargeJobs(ops: StoreOperations, epoch: number, now: number, delegateCutBps: number) {
  const charges = await ops.jobs.closeEpoch(epoch, now)
  if (charges.length === 0) return
  const batches = (['coin', 'token'] as const).flatMap((asset) => {
    const own = charges.filter((c) => c.asset === asset)
    if (own.length === 0) return []
    const tree = buildChargeTree(own.map((c) => ({ client: c.client, asset, amount: BigInt(c.amount) })))
    const total = own.reduce((sum, c) => sum + BigInt(c.amount), 0n)
    return [{ epoch, asset, root: tree.root, total: total.toString(), clients: own.length }]
  })
  await ops.jobs.addCharges(
    charges.map((c) => ({ ...c, epoch })),
    batches,
  )
  const fees = BigInt(batches.find((b) => b.asset === 'coin')?.total ?? '0')
  if (fees === 0n) return
  const row = (await ops.epochs.get(epoch)) as { reward_wei: string }
  const rewardWei = BigInt(row.reward_wei) + fees
  const { cut, deposit } = rewardSplit(rewardWei, delegateCutBps)
  await ops.epochs.setReward(epoch, { rewardWei, cutWei: cut, depositWei: deposit })
}

async function insertEpoch(
  store: StoreOperations,
  number: number,
  params: EpochRewardParameters,
  now: number,
  block: number | undefined,
  carriedWei = 0n,
) {
  const rewardWei = params.rewardWei + carriedWei
  const { cut, deposit } = rewardSplit(rewardWei, params.delegateCutBps)
  await store.epochs.add({
    number,
    started_at: now,
    start_block: block ?? null,
    reward_wei: rewardWei.toString(),
    delegate_cut_wei: cut.toString(),
    deposit_wei: deposit.toString(),
    canary_seed: `0x${randomBytes(32).toString('hex')}`,
  })
}
