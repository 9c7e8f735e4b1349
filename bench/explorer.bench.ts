import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { verifyBundleCar } from '../src/epoch/index.ts'
import { startApiary, stopProcess } from '../test/_harness/cli.ts'
import { freePort, waitFor } from '../test/_harness/swarm.ts'
import { type FirstLoad, launchBrowser, measureFirstLoad } from '../test/explorer/browser.ts'
import { machine } from './_lib/machine.ts'
import { ms, percentile } from './_lib/percentile.ts'

const LOADS = 20
const VERIFIES = 5

/**
 * The explorer (issue 23: the overview's first load ≤ 300 KB of JavaScript gzipped and interactive within
 * 1 s with `apiary up` running), against `apiary up` as `npm start` runs it (4 agents and the L4 one, traffic
 * at 8 tx/s), in Debian's Chromium:
 * - 20 cold loads of the overview (a new browser context each: no cache): JavaScript transferred, DOM
 *   interactive, and when the first figures are on screen (the page's `apiary:overview-data` mark);
 *   baseline in the same run: one `fetch('/swarm/status')` from the loaded page, the floor for any figure.
 * - Verify of a sealed epoch in the browser (the verifier's chunk loaded, the CAR fetched and checked), 5
 *   times; baseline: the same `verifyBundleCar` on the same CAR in Node, in this process.
 */
export async function benchExplorer() {
  const httpPort = await freePort()
  const datadir = mkdtempSync(join(tmpdir(), 'apiary-bench-explorer-'))
  const api = `http://127.0.0.1:${httpPort}`
  const up = await startApiary(
    [
      'up',
      '--http-port',
      String(httpPort),
      '--grpc-port',
      '0',
      '--epoch-seconds',
      '10',
      '--datadir',
      datadir,
    ],
    { ready: 'Ctrl-C stops everything.' },
  )
  const browser = await launchBrowser()
  try {
    const loads: FirstLoad[] = []
    for (let i = 0; i < LOADS; i++) {
      const context = await browser.newContext()
      const page = await context.newPage()
      await page.goto(`${api}/`)
      loads.push(await measureFirstLoad(page))
      await context.close()
    }
    const anchored = async () =>
      (
        (await (await fetch(`${api}/v1/epochs`)).json()) as { epochs: { epoch: number; state: string }[] }
      ).epochs.find((e) => e.state === 'anchored')?.epoch
    await waitFor('an anchored epoch', async () => (await anchored()) !== undefined, 120_000)
    const epoch = (await anchored()) as number
    const car = new Uint8Array(await (await fetch(`${api}/v1/epochs/${epoch}/car`)).arrayBuffer())
    const node: number[] = []
    const inBrowser: number[] = []
    for (let i = 0; i < VERIFIES; i++) {
      const started = performance.now()
      const report = await verifyBundleCar(car)
      node.push(performance.now() - started)
      if (!report.valid) throw new Error(`epoch ${epoch} does not verify in Node`)
      const context = await browser.newContext()
      const page = await context.newPage()
      await page.goto(`${api}/#/epochs/${epoch}`)
      await page.waitForSelector('[data-testid=epoch-cid]')
      const clicked = performance.now()
      await page.click('form >> text=Verify')
      await page.waitForSelector('.verdict', { timeout: 60_000 })
      inBrowser.push(performance.now() - clicked)
      if ((await page.textContent('.verdict')) !== 'VALID')
        throw new Error(`epoch ${epoch} does not verify in the browser`)
      await context.close()
    }
    const row = (name: string, values: number[], baseline?: number[]) => ({
      case: name,
      p50: ms(percentile(values, 50)),
      p90: ms(percentile(values, 90)),
      max: ms(Math.max(...values)),
      ratio:
        baseline === undefined ? '' : `${(percentile(values, 50) / percentile(baseline, 50)).toFixed(1)}×`,
    })
    const status = loads.map((l) => l.statusFetchMs)
    const rows = [
      {
        case: `JavaScript of the first load, gzipped (bytes, ${LOADS} loads)`,
        p50: percentile(
          loads.map((l) => l.jsGzipBytes),
          50,
        ),
        p90: '',
        max: Math.max(...loads.map((l) => l.jsGzipBytes)),
        ratio: '',
      },
      row('baseline: fetch /swarm/status from the page (ms)', status),
      row(
        'overview: DOM interactive (ms)',
        loads.map((l) => l.domInteractiveMs),
        status,
      ),
      row(
        'overview: first figures on screen (ms)',
        loads.map((l) => l.figuresShownMs),
        status,
      ),
      row(`baseline: verifyBundleCar in Node, epoch ${epoch}, ${car.length} B CAR (ms)`, node),
      row('Verify in the browser: click to verdict (ms)', inBrowser, node),
    ]
    return { unit: 'apiary up running, Debian Chromium headless', machine: machine(), rows }
  } finally {
    await browser.close()
    await stopProcess(up, 'SIGINT')
    rmSync(datadir, { recursive: true, force: true })
  }
}
