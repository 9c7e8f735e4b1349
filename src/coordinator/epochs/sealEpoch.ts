import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { LocalAccount } from 'viem'
import {
  buildBundle,
  bundleCar,
  type PayoutParameters,
  signBundle,
  type WeightParameters,
} from '../../epoch/index.ts'
import type { Logger } from '../../internal/logger.ts'
import type { SealRow, Store, StoreOperations } from '../store/index.ts'
import { collectEpoch } from './collectEpoch.ts'
import { recordAgentAmounts } from './recordAgentAmounts.ts'

export interface SealContext {
  store: Store
  logger: Logger
  /** `<datadir>/epochs`: bundles, CARs and index.json. */
  dir: string
  signer: LocalAccount
  chainId: number
}

export interface SealEpochParameters {
  epoch: number
  weights: WeightParameters
  payouts: PayoutParameters
  /** The EpochRegistry to anchor in; without it the seal stays local (`anchor = none`). */
  registry: string | undefined
}

/**
 * Seals a closed epoch: collects its jobs, builds and signs the bundle, writes the directory and the CAR
 * (each to a temporary name, fsynced, then renamed), and records the seal — the commit point. Sealing is
 * deterministic, so a crash before the record leaves nothing that a second run does not rewrite
 * identically; a sealed epoch is returned as recorded. With the `pools` model the agents' amounts and the
 * epoch's deposit become the bundle's payouts (paid by EpochRegistry claims).
 */
export async function sealEpoch(ctx: SealContext, p: SealEpochParameters): Promise<SealRow> {
  const existing = await ctx.store.seals.get(p.epoch)
  if (existing !== undefined) return existing
  const started = performance.now()
  const collected = await collectEpoch(ctx.store, p.epoch, ctx.chainId)
  const bundle = await signBundle(
    buildBundle({
      chainId: ctx.chainId,
      epoch: p.epoch,
      startedAt: collected.startedAt,
      closedAt: collected.closedAt,
      blocks: collected.blocks,
      jobs: collected.jobs,
      agents: collected.agents,
      revenue: collected.revenue,
      weights: p.weights,
      payouts: p.payouts,
      coordinator: ctx.signer.address,
      registry: p.registry ?? null,
      canaries: collected.canaries,
      clientJobs: collected.clientJobs,
    }),
    ctx.signer,
  )
  const { cid, car } = await bundleCar(bundle.dir, bundle.files)
  mkdirSync(ctx.dir, { recursive: true })
  const tmp = join(ctx.dir, `.tmp-${bundle.dir}`)
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp)
  for (const [name, bytes] of Object.entries(bundle.files))
    writeFileSync(join(tmp, name), bytes, { flush: true })
  writeFileSync(join(tmp, `${bundle.dir}.car`), car, { flush: true })
  const final = join(ctx.dir, bundle.dir)
  rmSync(final, { recursive: true, force: true })
  renameSync(tmp, final)
  rmSync(join(ctx.dir, `${bundle.dir}.car`), { force: true })
  renameSync(join(final, `${bundle.dir}.car`), join(ctx.dir, `${bundle.dir}.car`))

  const s = bundle.summary
  const row: SealRow = {
    epoch: p.epoch,
    dir: bundle.dir,
    cid,
    job_root: s.jobs.merkle_root,
    payout_root: s.payouts.root,
    jobs: s.jobs.count,
    model: s.params.model,
    distributed_wei: s.treasury.distributed,
    signer: ctx.signer.address.toLowerCase(),
    sealed_at: collected.closedAt,
    anchor: p.registry === undefined || s.jobs.count === 0 ? 'none' : 'owed',
    registry: p.registry?.toLowerCase() ?? null,
    anchor_tx_hash: null,
    anchor_nonce: null,
    anchor_raw_tx: null,
    anchor_block: null,
    attempts: 0,
    last_error: null,
    pinned_at: null,
  }
  await ctx.store.transaction(async (ops) => {
    await ops.seals.add(row, bundle.files)
    if (s.params.model === 'pools')
      await recordPoolsPayouts(ops, p.epoch, bundle.files['agents.json'], s.treasury.distributed)
  })
  await writeIndex(ctx.store, ctx.dir)
  ctx.logger.info(
    {
      epoch: p.epoch,
      cid,
      jobs: s.jobs.count,
      jobRoot: s.jobs.merkle_root,
      ms: Math.round(performance.now() - started),
    },
    'epoch sealed',
  )
  return row
}

/** Pools model: each agent's amount is its address's sealed payout; the epoch deposits what they add up to. */
async function recordPoolsPayouts(
  store: StoreOperations,
  epoch: number,
  agentsFile: Uint8Array,
  distributed: string,
) {
  const { payouts } = JSON.parse(Buffer.from(agentsFile).toString('utf8')) as {
    payouts: { address: string; amount: string }[]
  }
  await recordAgentAmounts(store, epoch, new Map(payouts.map((x) => [x.address, BigInt(x.amount)])))
  await store.epochs.setDeposit(epoch, distributed)
}

/** `<dir>/index.json` (docs/spec/bundle.md#content-addressing), rewritten from the seals (temp + rename). */
export async function writeIndex(store: Store, dir: string) {
  const seals = await store.seals.all()
  const index = {
    epochs: Object.fromEntries(
      seals.map((s) => [
        s.dir,
        {
          cid: s.cid,
          job_root: s.job_root,
          jobs: s.jobs,
          payout_root: s.payout_root,
          sealed_at: new Date(s.sealed_at).toISOString(),
        },
      ]),
    ),
    latest_epoch: seals[seals.length - 1]?.dir ?? null,
    version: 'apiary-epoch-index/1',
  }
  const tmp = join(dir, '.tmp-index.json')
  writeFileSync(tmp, `${JSON.stringify(index, null, 2)}\n`, { flush: true })
  renameSync(tmp, join(dir, 'index.json'))
}
