import { createReadStream, existsSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import type { Hex } from 'viem'
import type { z } from 'zod'
import { epochs, NO_LEADER } from '../../api/index.ts'
import { type Anchor, type AnchoredReceipt, checkReceiptAnchor, readAnchor } from '../../chain/index.ts'
import {
  BUNDLE_FILES,
  buildChargeTree,
  buildClientReceipt,
  buildJobTree,
  buildReceipt,
  buildTreeFromLeaves,
  type ChargeTree,
  type ClientJobRecord,
  checkSealedFiles,
  clientCharges,
  clientJobLeaf,
  epochDirName,
  epochOfJobId,
  type JobRecord,
  type JobTree,
  parseSignatureFile,
  type VerificationCheck,
  verifyReceipt,
} from '../../epoch/index.ts'
import { type OpenEpoch, sealedCarPath } from '../epochs/index.ts'
import type { EpochWithSeal, Store } from '../store/index.ts'

export interface EpochRoutesDependencies {
  store: Store
  /** The open epoch: the leader's own, or what it last published. */
  epoch: () => OpenEpoch | undefined
  /** `<datadir>/epochs`, where the bundles and CARs are. */
  dir: string
  chainId: number
  /** The coordinator's sealing address: POST /v1/verify requires receipts signed by it. */
  signer: string
  /** With a chain, POST /v1/verify also checks a receipt's anchor. */
  rpcUrl: string | undefined
  /** POST /v1/verify per client IP and minute. */
  verifyPerMinute?: number | undefined
}

type Joined = EpochWithSeal

function iso(ms: number): string
function iso(ms: number | null): string | null
function iso(ms: number | null) {
  return ms === null ? null : new Date(ms).toISOString()
}
/** Epochs whose jobs (and job tree) are kept in memory for receipts and pages. */
const CACHED_EPOCHS = 2

/**
 * An epoch as listed: its state, and its seal and anchor once it has them. `damage` says why a sealed
 * epoch's files on disk are not the bytes it sealed: it is then `damaged`, whatever its anchor.
 */
function epochView(r: Joined, damage?: string) {
  const sealed = r.s_epoch !== null
  const state: z.output<typeof epochs.SealedEpoch>['state'] =
    r.closed_at === null
      ? 'open'
      : !sealed
        ? 'closed'
        : damage !== undefined
          ? 'damaged'
          : r.s_anchor === 'anchored'
            ? 'anchored'
            : 'sealed'
  return {
    epoch: r.number,
    epochId: epochDirName(r.number),
    state,
    ...(damage === undefined ? {} : { damage }),
    startedAt: iso(r.started_at),
    closedAt: iso(r.closed_at),
    blocks: { from: r.start_block, to: r.end_block },
    // A seal's columns are all set once it exists (they are null only in the join of an unsealed epoch).
    seal: !sealed
      ? null
      : {
          cid: r.s_cid,
          jobs: r.s_jobs as number,
          jobRoot: r.s_job_root as string,
          payoutRoot: r.s_payout_root as string,
          model: r.s_model as 'pools' | 'f1',
          distributedWei: r.s_distributed_wei as string,
          signer: r.s_signer as string,
          sealedAt: iso(r.s_sealed_at as number),
          pinned: r.s_pinned_at !== null,
          anchor:
            r.s_registry === null
              ? null
              : {
                  state: r.s_anchor as 'none' | 'owed' | 'sending' | 'anchored',
                  registry: r.s_registry,
                  txHash: r.s_anchor === 'anchored' ? r.s_anchor_tx_hash : null,
                  block: r.s_anchor_block,
                },
        },
  }
}

/**
 * The seed's data API over sealed epochs (docs/epochs.md#http-api): listing, the open epoch, a bundle's
 * summary, jobs (paginated), agents, signature and CID, the CAR download, job receipts and receipt
 * verification. Bundle files are served as written; nothing here changes a seal.
 */
export function registerEpochRoutes(plain: FastifyInstance, deps: EpochRoutesDependencies): void {
  const app = plain.withTypeProvider<ZodTypeProvider>()
  const { store } = deps
  const bundles = createBundleCache(deps.dir, deps.signer, store)

  /** The epoch named by `:id` (`3` or `epoch-000003`). */
  const find = (id: string) => {
    const match = /^(?:epoch-)?(\d{1,9})$/.exec(id)
    return match === null ? undefined : store.seals.epoch(Number(match[1]))
  }
  /**
   * The sealed epoch named by `:id` with its checked files, or undefined after replying 404 (unknown),
   * 409 (not sealed) or 503 (its files are not the bytes it sealed).
   */
  const sealed = async (
    id: string,
    reply: FastifyReply,
  ): Promise<{ row: Joined; bundle: SealedBundle } | undefined> => {
    const row = await find(id)
    if (row === undefined) {
      void reply.code(404).send({ code: 'EPOCH_UNKNOWN', message: `no epoch ${id}` })
      return undefined
    }
    if (row.s_epoch === null) {
      void reply.code(409).send({
        code: 'EPOCH_NOT_SEALED',
        message: `epoch ${row.number} is ${row.closed_at === null ? 'open' : 'closed and not sealed yet'}`,
      })
      return undefined
    }
    const bundle = await bundles.open(row)
    if (!bundle.ok) {
      void reply
        .code(503)
        .send({ code: 'EPOCH_DAMAGED', message: `epoch ${row.number} is damaged: ${bundle.message}` })
      return undefined
    }
    return { row, bundle }
  }
  const damageOf = (row: Joined) => (row.s_epoch === null ? undefined : bundles.damage(row))

  app.route({
    ...epochs.listEpochs,
    handler: async (request) => {
      const { before = Number.MAX_SAFE_INTEGER, limit } = request.query
      const rows = await store.seals.epochs(before, limit)
      const last = rows[rows.length - 1]
      return {
        chainId: deps.chainId,
        signer: deps.signer,
        latestSealed: (await store.seals.lastSealedEpoch())?.number ?? null,
        epochs: await Promise.all(rows.map(async (row) => epochView(row, await damageOf(row)))),
        next: rows.length === limit && last !== undefined && last.number > 1 ? last.number : null,
      }
    },
  })

  app.route({
    ...epochs.currentEpoch,
    handler: async (_request, reply) => {
      const open = deps.epoch()
      if (open === undefined) return reply.code(503).send(NO_LEADER)
      const last = await store.seals.lastSealedEpoch()
      return {
        epoch: open.number,
        epochId: epochDirName(open.number),
        state: 'open' as const,
        startedAt: iso(open.startedAt),
        closesAt: iso(open.closesAt ?? null),
        startBlock: open.startBlock ?? null,
        closesAtBlock: open.closesAtBlock ?? null,
        lastSealed: last === undefined ? null : epochView(last, await damageOf(last)),
      }
    },
  })

  app.route({
    ...epochs.getEpoch,
    handler: async (request, reply) => {
      const row = await find(request.params.id)
      if (row === undefined)
        return reply.code(404).send({ code: 'EPOCH_UNKNOWN', message: `no epoch ${request.params.id}` })
      if (row.s_epoch === null) return { ...epochView(row), summary: null }
      const bundle = await bundles.open(row)
      if (!bundle.ok) return { ...epochView(row, bundle.message), summary: null }
      return { ...epochView(row), summary: JSON.parse(bundle.text('SUMMARY.json')) }
    },
  })

  app.route({
    ...epochs.epochJobs,
    handler: async (request, reply) => {
      const found = await sealed(request.params.id, reply)
      if (found === undefined) return reply
      const { row, bundle } = found
      const { limit } = request.query
      const agent = request.query.agent?.toLowerCase()
      const { jobs } = bundle.jobs()
      const after = request.query.after
      const page: JobRecord[] = []
      let more = false
      for (let i = after === undefined ? 0 : firstAfter(jobs, after); i < jobs.length && !more; i++) {
        const job = jobs[i] as JobRecord
        if (agent !== undefined && job.agent !== agent) continue
        if (page.length === limit) more = true
        else page.push(job)
      }
      return {
        epoch: row.number,
        total: jobs.length,
        jobs: page,
        next: more ? (page[page.length - 1]?.id ?? null) : null,
      }
    },
  })

  app.route({
    ...epochs.epochAgents,
    handler: async (request, reply) => {
      const found = await sealed(request.params.id, reply)
      return found === undefined
        ? reply
        : // agents.json byte for byte, as sealed (checked against the seal, so it is the schema's shape)
          reply.type('application/json').send(found.bundle.files['agents.json'] as never)
    },
  })

  app.route({
    ...epochs.epochSignature,
    handler: async (request, reply) => {
      const found = await sealed(request.params.id, reply)
      if (found === undefined) return reply
      const { row, bundle } = found
      const file = bundle.text('SIGNATURE.txt')
      const parsed = parseSignatureFile(file)
      return {
        epoch: row.number,
        scheme: 'EIP-191 personal_sign' as const,
        signer: parsed?.signer ?? null,
        signature: parsed?.signature ?? null,
        message: parsed?.message ?? null,
        file,
      }
    },
  })

  app.route({
    ...epochs.epochIpfs,
    handler: async (request, reply) => {
      const row = (await sealed(request.params.id, reply))?.row
      if (row === undefined) return reply
      return {
        epoch: row.number,
        cid: row.s_cid,
        uri: `ipfs://${row.s_cid}`,
        pinned: row.s_pinned_at !== null,
        pinnedAt: iso(row.s_pinned_at),
        car: `/v1/epochs/${row.number}/car`,
      }
    },
  })

  /** Each epoch's CAR is made at most once at a time on this replica (sealedCarPath keeps it on disk). */
  const carPaths = new Map<number, Promise<string>>()
  const carPathOf = (row: Joined) => {
    let path = carPaths.get(row.number)
    if (path === undefined) {
      path = sealedCarPath(store, deps.dir, {
        epoch: row.number,
        dir: row.s_dir as string,
        cid: row.s_cid as string,
      }).finally(() => carPaths.delete(row.number))
      carPaths.set(row.number, path)
    }
    return path
  }

  app.route({
    ...epochs.epochCar,
    handler: async (request, reply) => {
      const row = (await sealed(request.params.id, reply))?.row
      if (row === undefined) return reply
      const path = await carPathOf(row)
      return reply
        .type('application/vnd.ipld.car; version=1')
        .header('content-disposition', `attachment; filename="${row.s_dir}.car"`)
        .header('etag', `"${row.s_cid}"`)
        .header('x-ipfs-roots', row.s_cid as string)
        .send(createReadStream(path) as never)
    },
  })

  const anchorOf = (row: Joined) =>
    row.s_anchor === 'anchored' && row.s_registry !== null
      ? { registry: row.s_registry, tx_hash: row.s_anchor_tx_hash, block: row.s_anchor_block }
      : null

  /** A client job's receipt, once the epoch that charged it is sealed. */
  const clientReceipt = async (id: string, reply: FastifyReply) => {
    const job = await store.jobs.get(id)
    if (job === undefined) return reply.code(404).send({ code: 'JOB_UNKNOWN', message: `no job ${id}` })
    if (job.state !== 'completed' || job.epoch === null)
      return reply.code(409).send({
        code: 'JOB_NOT_SEALED',
        message:
          job.state !== 'completed'
            ? `job ${id} is ${job.state}: only a completed job is charged and sealed`
            : `job ${id} is charged when the open epoch closes; its receipt exists once that epoch is sealed`,
      })
    const found = await sealed(String(job.epoch), reply)
    if (found === undefined) return reply
    const { row, bundle } = found
    const cached = bundle.jobs()
    const index = cached.clientIndex.get(id)
    if (index === undefined)
      return reply
        .code(409)
        .send({ code: 'JOB_NOT_SEALED', message: `the bundle of epoch ${job.epoch} does not hold job ${id}` })
    const record = cached.clientJobs[index] as ClientJobRecord
    const charges = cached.charges(record.asset)
    const amount = charges.owed.get(record.client) ?? 0n
    const tree = cached.clientTree()
    return buildClientReceipt({
      chainId: deps.chainId,
      epoch: job.epoch,
      job: record,
      proof: tree.proof(index),
      clientJobRoot: tree.root,
      charge: {
        asset: record.asset,
        amount: amount.toString(),
        root: charges.tree.root,
        proof: amount === 0n ? [] : charges.tree.proof(record.client),
      },
      summary: bundle.text('SUMMARY.json'),
      seal: bundle.text('SIGNATURE.txt'),
      cid: row.s_cid,
      anchor: anchorOf(row),
    }) as z.output<typeof epochs.ServedClientReceipt>
  }

  app.route({
    ...epochs.jobReceipt,
    handler: async (request, reply) => {
      const id = request.params.jobId
      if (!id.includes('-')) return clientReceipt(id, reply)
      const epoch = epochOfJobId(id) as number
      const found = await sealed(String(epoch), reply)
      if (found === undefined) return reply
      const { row, bundle } = found
      const cached = bundle.jobs()
      const index = cached.index.get(id)
      if (index === undefined)
        return reply.code(404).send({ code: 'JOB_UNKNOWN', message: `epoch ${epoch} has no job ${id}` })
      const tree = cached.tree()
      // The job is a sealed job record (bundle.jobs() reads checked files), as ServedReceipt says.
      return buildReceipt({
        chainId: deps.chainId,
        epoch,
        job: cached.jobs[index] as JobRecord,
        proof: tree.proof(index),
        jobRoot: tree.root,
        seal: bundle.text('SIGNATURE.txt'),
        cid: row.s_cid,
        anchor: anchorOf(row),
      }) as z.output<typeof epochs.ServedReceipt>
    },
  })

  // The Sealed events of this coordinator's own anchors, read from the chain once per epoch. A receipt
  // whose anchor is not one this coordinator recorded fails without a chain read, so no request can make
  // the node scan logs for an arbitrary registry or epoch.
  const anchors = new Map<number, Anchor>()
  const readOwnAnchor = (rpcUrl: string, row: Joined) => async (registry: Hex, epoch: number) => {
    const cached = anchors.get(epoch)
    if (cached !== undefined) return cached
    const anchor = await readAnchor({
      rpcUrl,
      registry,
      epoch,
      fromBlock: row.s_anchor_block === null ? undefined : BigInt(row.s_anchor_block),
    })
    if (anchor !== undefined) anchors.set(epoch, anchor)
    return anchor
  }
  const anchorCheck = async (
    rpcUrl: string,
    r: AnchoredReceipt,
    jobRoot: string,
    signer: string | undefined,
  ): Promise<VerificationCheck> => {
    const row = r.anchor === null ? undefined : await store.seals.epoch(r.epoch)
    if (
      r.anchor === null ||
      row?.s_anchor !== 'anchored' ||
      row.s_registry?.toLowerCase() !== String(r.anchor.registry).toLowerCase()
    )
      return {
        id: 'anchor',
        ok: false,
        code: 'APIARY_ANCHOR_UNKNOWN',
        message: `this coordinator has not anchored epoch ${r.epoch} in the registry the receipt names`,
      }
    return checkReceiptAnchor(rpcUrl, r, jobRoot, signer, readOwnAnchor(rpcUrl, row))
  }

  const verifyLimit = { config: { rateLimit: { max: deps.verifyPerMinute ?? 60, timeWindow: 60_000 } } }
  app.route({
    ...epochs.verify,
    ...verifyLimit,
    handler: async (request) => {
      const report = await verifyReceipt(request.body, { expectedSigner: deps.signer })
      const r = report.receipt
      if (deps.rpcUrl !== undefined && r !== undefined && r.anchor !== null && report.sealedJobRoot) {
        report.checks.push(await anchorCheck(deps.rpcUrl, r, report.sealedJobRoot, report.signer))
        report.valid = report.checks.every((c) => c.ok)
      }
      return {
        valid: report.valid,
        epoch: r?.epoch ?? null,
        job: (r?.job as { id?: string } | undefined)?.id ?? null,
        signer: report.signer ?? null,
        checks: report.checks,
      }
    },
  })
}

/** Index of the first job whose id sorts after `after` (ids are fixed-width, so they sort as strings). */
function firstAfter(jobs: readonly JobRecord[], after: string) {
  let lo = 0
  let hi = jobs.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((jobs[mid] as JobRecord).id <= after) lo = mid + 1
    else hi = mid
  }
  return lo
}

type JobsEntry = {
  jobs: JobRecord[]
  index: Map<string, number>
  tree: () => JobTree
  /** Version 3 bundles: the client jobs, their tree and each asset's charge tree, built on first need. */
  clientJobs: ClientJobRecord[]
  clientIndex: Map<string, number>
  clientTree: () => JobTree
  charges: (asset: 'coin' | 'token') => ChargesOfAsset
}
/** One asset's charge tree and each client's charge in it. */
type ChargesOfAsset = { tree: ChargeTree; owed: Map<string, bigint> }
type SealedBundle = {
  ok: true
  files: Record<string, Buffer>
  text: (name: string) => string
  /** jobs.json parsed once, with the job tree built on first need. */
  jobs: () => JobsEntry
}
type Opened = SealedBundle | { ok: false; message: string }

/**
 * A sealed epoch's four files, read from disk — or, on a replica that did not seal it (no folder of it in its
 * datadir), from the store, where they were written with the seal — and checked against the seal
 * (checkSealedFiles) before any byte is served. The files of the last few epochs asked for stay in memory and
 * every epoch's verdict is kept; both are keyed by the files' sizes and modification times, so a file changed
 * on disk is checked again.
 */
function createBundleCache(dir: string, signer: string, store: Store) {
  const stampOf = (folder: string) =>
    !existsSync(folder)
      ? 'stored'
      : BUNDLE_FILES.map((name) => {
          try {
            const s = statSync(join(folder, name))
            return `${s.size}:${s.mtimeMs}`
          } catch {
            return 'missing'
          }
        }).join('/')
  const read = async (folder: string, epoch: number): Promise<Opened> => {
    const files: Record<string, Buffer> = {}
    if (!existsSync(folder))
      for (const [name, bytes] of Object.entries(await store.seals.files(epoch, BUNDLE_FILES)))
        files[name] = Buffer.from(bytes)
    else
      for (const name of BUNDLE_FILES) {
        try {
          files[name] = await readFile(join(folder, name))
        } catch {
          // missing: checkSealedFiles names it
        }
      }
    const check = await checkSealedFiles(files, signer)
    if (!check.ok) return { ok: false, message: check.message }
    let entry: JobsEntry | undefined
    return {
      ok: true,
      files,
      text: (name) => (files[name] ?? Buffer.alloc(0)).toString('utf8'),
      jobs: () => {
        if (entry !== undefined) return entry
        const { jobs, client_jobs: clientJobs = [] } = JSON.parse(
          (files['jobs.json'] as Buffer).toString('utf8'),
        ) as { jobs: JobRecord[]; client_jobs?: ClientJobRecord[] }
        let tree: JobTree | undefined
        let clientTree: JobTree | undefined
        const chargeTrees = new Map<'coin' | 'token', ChargesOfAsset>()
        entry = {
          jobs,
          index: new Map(jobs.map((j, i) => [j.id, i])),
          tree: () => {
            tree ??= buildJobTree(jobs)
            return tree
          },
          clientJobs,
          clientIndex: new Map(clientJobs.map((j, i) => [j.id, i])),
          clientTree: () => {
            clientTree ??= buildTreeFromLeaves(Buffer.concat(clientJobs.map(clientJobLeaf)))
            return clientTree
          },
          charges: (asset) => {
            let charges = chargeTrees.get(asset)
            if (charges === undefined) {
              const owed = clientCharges(clientJobs, asset)
              const tree = buildChargeTree([...owed].map(([client, amount]) => ({ client, asset, amount })))
              charges = { tree, owed }
              chargeTrees.set(asset, charges)
            }
            return charges
          },
        }
        return entry
      },
    }
  }
  const loaded = new Map<number, { stamp: string; bundle: SealedBundle }>()
  /** Every epoch read so far: why its files are not what it sealed (undefined when they are). */
  const verdicts = new Map<number, { stamp: string; message: string | undefined }>()
  const open = async (row: Joined): Promise<Opened> => {
    const folder = join(dir, row.s_dir as string)
    const stamp = stampOf(folder)
    const hit = loaded.get(row.number)
    if (hit !== undefined && hit.stamp === stamp) {
      loaded.delete(row.number)
      loaded.set(row.number, hit)
      return hit.bundle
    }
    const opened = await read(folder, row.number)
    verdicts.set(row.number, { stamp, message: opened.ok ? undefined : opened.message })
    loaded.delete(row.number)
    if (opened.ok) loaded.set(row.number, { stamp, bundle: opened })
    for (const epoch of loaded.keys()) if (loaded.size > CACHED_EPOCHS) loaded.delete(epoch)
    return opened
  }
  return {
    open,
    /** Why a sealed epoch's files are not what it sealed; undefined when they are. Read once per change. */
    async damage(row: Joined): Promise<string | undefined> {
      const known = verdicts.get(row.number)
      if (known !== undefined && known.stamp === stampOf(join(dir, row.s_dir as string))) return known.message
      const opened = await open(row)
      return opened.ok ? undefined : opened.message
    },
  }
}
