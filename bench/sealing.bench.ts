import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { privateKeyToAccount } from 'viem/accounts'
import { collectEpoch, sealEpoch } from '../src/coordinator/epochs/index.ts'
import { openStore } from '../src/coordinator/store/index.ts'
import { DEFAULT_PAYOUT_PARAMETERS, DEFAULT_WEIGHT_PARAMETERS, verifyBundle } from '../src/epoch/index.ts'
import { createLogger } from '../src/internal/logger.ts'
import { prepareSealableStore } from '../test/_harness/epochStore.ts'
import { machine } from './_lib/machine.ts'

/**
 * Sealing end to end from the coordinator's SQLite store: a closed epoch of N scored results (4 agents)
 * becomes a signed bundle, its CAR, the fsynced files and the seal record — `sealEpoch` exactly as the
 * coordinator runs it — at 10,000 and 100,000 jobs, 3 runs each on a fresh copy of the store. Beside it,
 * in the same run: collecting the jobs alone (the SQLite read) and `verifyBundle` of the result (what an
 * auditor's `apiary verify bundle` spends). Target (issue 5): 100,000 jobs ≤ 5 s.
 */
export async function benchSealing() {
  const rows: Record<string, string | number>[] = []
  const logger = createLogger({ level: 'silent' })
  const signer = privateKeyToAccount(`0x${'5e'.repeat(32)}`)
  for (const jobs of [10_000, 100_000]) {
    const root = mkdtempSync(join(tmpdir(), 'apiary-bench-seal-'))
    await prepareSealableStore(join(root, 'pristine'), jobs)
    for (let run = 1; run <= 3; run++) {
      const datadir = join(root, `run-${run}`)
      mkdirSync(datadir)
      copyFileSync(join(root, 'pristine', 'coordinator.db'), join(datadir, 'coordinator.db'))
      const store = await openStore({ path: join(datadir, 'coordinator.db') })
      const c0 = performance.now()
      await collectEpoch(store, 1, 31337)
      const collectMs = performance.now() - c0
      const s0 = performance.now()
      const seal = await sealEpoch(
        { store, logger, dir: join(datadir, 'epochs'), signer, chainId: 31337 },
        {
          epoch: 1,
          weights: DEFAULT_WEIGHT_PARAMETERS,
          payouts: DEFAULT_PAYOUT_PARAMETERS,
          registry: undefined,
        },
      )
      const sealMs = performance.now() - s0
      await store.close()
      const dir = join(datadir, 'epochs', seal.dir)
      const files = Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]))
      const v0 = performance.now()
      const report = await verifyBundle(files, { expectedCid: seal.cid })
      const verifyMs = performance.now() - v0
      if (!report.valid || seal.jobs !== jobs) throw new Error(`sealing ${jobs} jobs gave an invalid bundle`)
      const bytes = Object.values(files).reduce((n, f) => n + f.length, 0)
      rows.push({
        jobs,
        run,
        'collect from SQLite (s)': (collectMs / 1000).toFixed(3),
        'sealEpoch end to end (s)': (sealMs / 1000).toFixed(3),
        'target 5 s ÷ sealEpoch': jobs === 100_000 ? (5000 / sealMs).toFixed(2) : '—',
        'verifyBundle (s)': (verifyMs / 1000).toFixed(3),
        'bundle (MB)': (bytes / 1e6).toFixed(1),
      })
      process.stderr.write(`sealing: ${jobs} jobs, run ${run} done\n`)
    }
    rmSync(root, { recursive: true, force: true })
  }
  return { unit: 'seconds, one process', machine: machine(), rows }
}
