import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { formatTable } from '../src/internal/table.ts'
import { benchCapacity } from './capacity.bench.ts'
import { benchDispatch } from './dispatch.bench.ts'
import { benchExplorer } from './explorer.bench.ts'
import { benchFailover } from './failover.bench.ts'
import { benchJobs } from './jobs.bench.ts'
import { benchL1 } from './l1.bench.ts'
import { benchL3 } from './l3.bench.ts'
import { benchL4 } from './l4.bench.ts'
import { benchMerkle } from './merkle.bench.ts'
import { benchMessaging } from './messaging.bench.ts'
import { benchCanaryCost, benchPreconfirmation } from './preconfirmation.bench.ts'
import { benchSealing } from './sealing.bench.ts'
import { benchSnapshot } from './snapshot.bench.ts'

/**
 * `npm run bench [l1|l3|dispatch|merkle|sealing|messaging|preconfirmation|canaries|capacity|failover|jobs|snapshot|l4|explorer]` (APIARY_BENCH_MINUTES: length of the dispatch memory run, default 1): runs the benchmarks, prints a table each and writes bench/results/<name>.json.
 * Figures go to BENCHMARKS.md by hand, with the machine they came from.
 */
const here = dirname(fileURLToPath(import.meta.url))
const fixtures = resolve(here, '..', '..', 'shared', 'fixtures', 'evm')
const wanted = process.argv.slice(2)
const minutes = Number(process.env.APIARY_BENCH_MINUTES ?? 1)
const benches = {
  l1: () => benchL1(fixtures),
  l3: () => benchL3(),
  dispatch: () => benchDispatch({ seconds: 10, memoryMinutes: minutes }),
  merkle: () => benchMerkle(),
  sealing: () => benchSealing(),
  messaging: () => benchMessaging(),
  preconfirmation: () => benchPreconfirmation(),
  canaries: () => benchCanaryCost(),
  capacity: () => benchCapacity(),
  failover: () => benchFailover(),
  jobs: () => benchJobs(),
  snapshot: () => benchSnapshot(),
  l4: () => benchL4(),
  explorer: () => benchExplorer(),
}
mkdirSync(join(here, 'results'), { recursive: true })
for (const [name, run] of Object.entries(benches)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue
  const result = await run()
  const columns = Object.keys(result.rows[0] ?? {})
  process.stdout.write(`\n${name}: ${result.unit} — ${result.machine.cpu}, ${result.machine.node}\n`)
  process.stdout.write(
    `${formatTable(
      columns,
      result.rows.map((row) => columns.map((c) => String((row as Record<string, unknown>)[c]))),
    )}\n`,
  )
  writeFileSync(join(here, 'results', `${name}.json`), `${JSON.stringify(result, null, 2)}\n`)
}
