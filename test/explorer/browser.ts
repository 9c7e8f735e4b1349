import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { type Browser, chromium, type Page } from 'playwright-core'

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it): never a downloaded browser. */
export const CHROMIUM = process.env.APIARY_CHROMIUM ?? '/usr/bin/chromium'

/** Headless Chromium as this machine allows it: no sandbox (root), no background calls to Google. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set APIARY_CHROMIUM)`)
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/** Console errors, failed requests and uncaught exceptions of a page, as they happen. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${page.url()} console: ${m.text()}`)
  })
  page.on('pageerror', (e) => errors.push(`${page.url()} exception: ${e.message}`))
  page.on('requestfailed', (r) => {
    // A poll the page itself cancels when it leaves (its AbortController) is no failure.
    if (r.failure()?.errorText !== 'net::ERR_ABORTED')
      errors.push(`${page.url()} request failed: ${r.url()} ${r.failure()?.errorText}`)
  })
  return errors
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

export interface AxeViolation {
  id: string
  impact: string | null
  help: string
  nodes: number
}

/**
 * axe-core's WCAG 2.x A and AA rules (and its best practices) on the page as it is now. The functions run
 * in the page; they name its globals through `globalThis` so that this file also compiles without the DOM's
 * types (bench/ imports it).
 */
export async function axeScan(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not govern.
  await page.evaluate(axeSource)
  return page.evaluate(async () => {
    const { document } = globalThis as unknown as { document: unknown }
    const axe = (
      globalThis as unknown as {
        axe: {
          run: (
            c: unknown,
            o: unknown,
          ) => Promise<{
            violations: Array<{ id: string; impact: string | null; help: string; nodes: unknown[] }>
          }>
        }
      }
    ).axe
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    })
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }))
  })
}

interface PageEntry {
  name: string
  startTime: number
  encodedBodySize: number
  decodedBodySize: number
  domInteractive: number
}

export interface FirstLoad {
  /** JavaScript files fetched, and their bytes as sent (gzipped) and as run. */
  jsFiles: number
  jsGzipBytes: number
  jsBytes: number
  domInteractiveMs: number
  /** When the overview's first figures were on screen (its `apiary:overview-data` mark). */
  figuresShownMs: number
  /** One `fetch('/swarm/status')` from the loaded page: the floor for any figure. */
  statusFetchMs: number
}

/** The Performance API's account of the overview's first load, read once its figures show. */
export async function measureFirstLoad(page: Page): Promise<FirstLoad> {
  await page.waitForSelector('[data-testid=dispatched]')
  return page.evaluate(async () => {
    const { performance: perf, fetch: get } = globalThis as unknown as {
      performance: {
        getEntriesByType(t: string): PageEntry[]
        getEntriesByName(n: string): PageEntry[]
        now(): number
      }
      fetch: (url: string) => Promise<{ json(): Promise<unknown> }>
    }
    const js = perf.getEntriesByType('resource').filter((r) => r.name.endsWith('.js'))
    const started = perf.now()
    await (await get('/swarm/status')).json()
    return {
      jsFiles: js.length,
      jsGzipBytes: js.reduce((sum, r) => sum + r.encodedBodySize, 0),
      jsBytes: js.reduce((sum, r) => sum + r.decodedBodySize, 0),
      domInteractiveMs: Math.round(perf.getEntriesByType('navigation')[0]?.domInteractive ?? -1),
      figuresShownMs: Math.round(perf.getEntriesByName('apiary:overview-data')[0]?.startTime ?? -1),
      statusFetchMs: perf.now() - started,
    }
  })
}
