import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { test } from 'node:test'
import type { Page } from 'playwright-core'
import { privateKeyToAccount } from 'viem/accounts'
import { deriveClientKey } from '../../src/coordinator/identity/index.ts'
import { runShell, startApiary, stopProcess } from '../_harness/cli.ts'
import { freePort, waitFor } from '../_harness/swarm.ts'
import { axeScan, launchBrowser, measureFirstLoad, watchErrors } from './browser.ts'

/** APIARY_UPDATE_SCREENSHOTS=1 writes the pages' screenshots to docs/images/ (the README shows them). */
const SHOTS =
  process.env.APIARY_UPDATE_SCREENSHOTS === '1'
    ? resolve(import.meta.dirname, '../../docs/images')
    : undefined

const HOSTILE = '<img src=x onerror=alert(1)>hello'

const numberIn = async (page: Page, selector: string) =>
  Number(((await page.textContent(selector)) ?? '').replace(/[^0-9]/g, ''))

test('the explorer served by apiary up, in Debian’s Chromium: every page shows live data with no console error, the overview moves, Verify checks bundles and receipts in the browser and names what a tampered one fails, keyboard, axe-core and a phone width', {
  timeout: 300_000,
}, async (t) => {
  const httpPort = await freePort()
  const datadir = mkdtempSync(join(tmpdir(), 'apiary-explorer-test-'))
  const api = `http://127.0.0.1:${httpPort}`
  const up = await startApiary(
    ['up', '--agents', '2', '--epoch-seconds', '4', '--tps', '4', '--http-port', String(httpPort)].concat([
      '--grpc-port',
      '0',
      '--datadir',
      datadir,
    ]),
    { ready: 'Ctrl-C stops everything.' },
  )
  const browser = await launchBrowser()
  try {
    const rpc = /^chain +(http:\/\/[0-9.:]+)/m.exec(up.output())?.[1]
    assert.ok(rpc !== undefined, up.output())
    assert.match(up.output(), new RegExp(`^explorer +${api}/ `, 'm'))
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    const errors = watchErrors(page)
    const shot = async (name: string, target: Page = page) => {
      if (SHOTS === undefined) return
      mkdirSync(SHOTS, { recursive: true })
      await target.screenshot({ path: join(SHOTS, `explorer-${name}.png`) })
    }
    const scans: Record<string, unknown[]> = {}
    const scan = async (name: string) => {
      scans[name] = (await axeScan(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical')
    }

    // First load of the overview: its JavaScript gzipped (the budget is 300 KB) and when its figures show.
    await page.goto(`${api}/`)
    const load = await measureFirstLoad(page)
    t.diagnostic(`first load: ${JSON.stringify(load)}`)
    assert.ok(load.jsFiles >= 1 && load.jsGzipBytes > 0, JSON.stringify(load))
    assert.ok(load.jsGzipBytes < load.jsBytes, `served compressed: ${JSON.stringify(load)}`)
    assert.ok(
      load.jsGzipBytes <= 300 * 1024,
      `the overview loads ${load.jsGzipBytes} B of JavaScript gzipped`,
    )
    assert.ok(load.figuresShownMs > 0, JSON.stringify(load))

    // The overview updates itself: the dispatched counter moves without a reload.
    const before = await numberIn(page, '[data-testid=dispatched]')
    await waitFor(
      'the overview counter to move',
      async () => (await numberIn(page, '[data-testid=dispatched]')) > before,
      30_000,
    )
    assert.ok((await numberIn(page, '[data-testid=agents-live]')) >= 2)
    // Pre-confirmation and canaries, as /swarm/status gives them, are on the overview.
    const status = (await (await fetch(`${api}/swarm/status`)).json()) as {
      preConfirmation: { dispatched: number } | null
      canaries: { made: number } | null
    }
    assert.ok(status.preConfirmation !== null && status.canaries !== null, JSON.stringify(status))
    assert.match((await page.textContent('main')) ?? '', /\d+ pre-executed, \d+ landed/)

    // Keyboard: the skip link is the first stop and moves focus to the content; the nav works with Enter.
    await page.keyboard.press('Tab')
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content')
    await page.keyboard.press('Enter')
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'main')
    await page.goto(`${api}/`)
    for (const _ of ['skip', 'brand', 'Overview', 'Agents']) await page.keyboard.press('Tab')
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Agents')
    await page.keyboard.press('Enter')
    await page.waitForFunction(() => location.hash === '#/agents' && document.activeElement?.tagName === 'H1')

    // Wait for a sealed, anchored epoch and a challenge; meanwhile a message, an encrypted one, and a paid job.
    const pingLine = /\n {13}(\S+ \S+ message send .+)\n/.exec(up.output())?.[1]
    const jobLine = /jobs .*\n {13}(.+ job submit .+)\n/.exec(up.output())?.[1]
    assert.ok(pingLine !== undefined && jobLine !== undefined, up.output())
    // The two messages come from one account (DATADIR/you.key): one after the other, or their nonces clash.
    const messages = (async () => {
      // A body that would be markup if the page rendered it as HTML: it must show as text.
      const clear = await runShell(`${pingLine.replace('--body hello', `--body '${HOSTILE}'`)} --json`)
      return [
        clear,
        await runShell(`${pingLine.replace('--body hello', '--body secret')} --encrypt --json`),
      ] as const
    })()
    const [[ping, secret], job] = await Promise.all([messages, runShell(`${jobLine} --json`)])
    assert.equal(ping.code, 0, ping.stderr)
    assert.equal(secret.code, 0, secret.stderr)
    assert.equal(job.code, 0, job.stderr)
    const jobId = (JSON.parse(job.stdout) as { id: string }).id
    const anchored = async () =>
      (
        (await (await fetch(`${api}/v1/epochs`)).json()) as { epochs: { epoch: number; state: string }[] }
      ).epochs.find((e) => e.state === 'anchored')?.epoch
    await waitFor('an anchored epoch', async () => (await anchored()) !== undefined, 90_000)
    const sealedEpoch = (await anchored()) as number
    await waitFor(
      'a challenge',
      async () =>
        ((await (await fetch(`${api}/v1/challenges`)).json()) as { challenges: unknown[] }).challenges
          .length > 0,
      90_000,
    )
    await waitFor(
      'the job’s receipt',
      async () => (await fetch(`${api}/v1/jobs/${jobId}/receipt`)).status === 200,
      90_000,
    )

    // Overview, with its chart fed by a few polls.
    await page.goto(`${api}/#/`)
    await page.waitForSelector('[data-testid=dispatched]')
    await page.waitForTimeout(4_500)
    await scan('overview')
    await shot('overview')

    // Agents: the leaderboard, then an agent with its charts and challenges.
    await page.click('nav >> text=Agents')
    await page.waitForSelector('main table >> text=agent-1-L3')
    await scan('agents')
    await page.click('main >> text=agent-1-L3')
    await page.waitForSelector('text=Accuracy per epoch (%)')
    await page.waitForSelector('text=Challenges it was invited to')
    assert.match((await page.textContent('main')) ?? '', /Earned \(settled\)/i)
    await scan('agent')
    await shot('agent')

    // Epochs, one epoch, and Verify in the browser with the anchor read from the devnet.
    await page.click('nav >> text=Epochs')
    await page.waitForSelector(`main a[href="#/epochs/${sealedEpoch}"]`)
    await scan('epochs')
    await page.click(`main a[href="#/epochs/${sealedEpoch}"]`)
    await page.waitForSelector('[data-testid=epoch-cid]')
    await page.fill('#rpc-url', rpc)
    await page.click('form >> text=Verify')
    await page.waitForSelector('.verdict', { timeout: 60_000 })
    assert.equal(await page.textContent('.verdict'), 'VALID', (await page.textContent('.checks')) ?? '')
    const checkIds = await page.$$eval('.checks li', (items) =>
      items.map((li) => li.getAttribute('data-check')),
    )
    for (const id of [
      'car',
      'signature',
      'hash:jobs.json',
      'hash:agents.json',
      'job-root',
      'payout-root',
      'anchor',
    ])
      assert.ok(checkIds.includes(id), `check ${id} in ${checkIds.join(', ')}`)
    await scan('epoch')
    await shot('epoch')

    // The same bundle with one byte changed, dropped into the verifier: INVALID, and the check named.
    const car = new Uint8Array(await (await fetch(`${api}/v1/epochs/${sealedEpoch}/car`)).arrayBuffer())
    const tampered = car.slice()
    const at = tampered.length - 40
    tampered[at] = (tampered[at] as number) ^ 0x01
    const tamperedFile = join(datadir, 'tampered.car')
    writeFileSync(tamperedFile, tampered)
    await page.click('nav >> text=Verify')
    await page.setInputFiles('#verify-file', tamperedFile)
    await page.waitForSelector('.verdict', { timeout: 60_000 })
    assert.equal(await page.textContent('.verdict'), 'INVALID')
    const failedCar = await page.$$eval('.checks li.fail', (items) =>
      items.map((li) => li.getAttribute('data-check')),
    )
    t.diagnostic(`tampered CAR fails: ${failedCar.join(', ')}`)
    assert.ok(failedCar.includes('car'), failedCar.join(', '))

    // A validation job's receipt: VALID with the anchor; with its proof changed: INVALID, the check named.
    const jobs = (await (await fetch(`${api}/v1/epochs/${sealedEpoch}/jobs?limit=1`)).json()) as {
      jobs: { id: string }[]
    }
    const validationJob = jobs.jobs[0]?.id as string
    // Reached as an auditor would: the epoch's job list, its receipt link.
    await page.goto(`${api}/#/epochs/${sealedEpoch}`)
    await page.click(`main a[href="#/verify/${validationJob}"]`)
    await page.waitForFunction(() =>
      (document.querySelector('#receipt-json') as HTMLTextAreaElement | null)?.value.includes(
        'apiary-receipt',
      ),
    )
    await page.fill('#verify-rpc', rpc)
    await page.click('text=Verify the receipt')
    await page.waitForSelector('.verdict', { timeout: 60_000 })
    assert.equal(await page.textContent('.verdict'), 'VALID', (await page.textContent('.checks')) ?? '')
    assert.ok(
      (await page.$$eval('.checks li.ok', (l) => l.map((li) => li.getAttribute('data-check')))).includes(
        'anchor',
      ),
    )
    await scan('verify')
    await shot('verify')
    const receipt = JSON.parse(await page.inputValue('#receipt-json')) as {
      proof: Array<{ hash: string }> | unknown
    }
    const text = JSON.stringify(receipt, null, 2)
    const firstHash = /"0x[0-9a-f]{64}"/.exec(JSON.stringify((receipt as { proof: unknown }).proof))?.[0]
    assert.ok(firstHash !== undefined, text)
    // The proof's first hash with its first hex digit changed.
    const forged = text.replace(firstHash, `"0x${firstHash[3] === '0' ? '1' : '0'}${firstHash.slice(4)}`)
    assert.notEqual(forged, text)
    await page.fill('#receipt-json', forged)
    await page.click('text=Verify the receipt')
    await page.waitForSelector('.verdict.invalid', { timeout: 60_000 })
    const failedReceipt = await page.$$eval('.checks li.fail', (items) =>
      items.map((li) => `${li.getAttribute('data-check')} ${li.querySelector('code')?.textContent}`),
    )
    t.diagnostic(`tampered receipt fails: ${failedReceipt.join(', ')}`)
    assert.ok(
      failedReceipt.length > 0 && failedReceipt.every((f) => /APIARY_/.test(f)),
      failedReceipt.join(', '),
    )

    // Challenges: the list, then one with its timeline per invitee.
    await page.click('nav >> text=Challenges')
    await page.waitForSelector('main table a[href^="#/challenges/0x"]')
    await scan('challenges')
    await page.click('main table a[href^="#/challenges/0x"] >> nth=-1')
    await page.waitForSelector('.timeline li')
    assert.ok((await page.$$('.timeline li')).length >= 2)
    await page.waitForSelector('.timeline .commit')
    await scan('challenge')
    await shot('challenge')

    // Messages: the ping and its pong in clear, the encrypted one shown as encrypted.
    await page.click('nav >> text=Messages')
    await page.waitForSelector('main td >> text=pong')
    await page.waitForSelector('main .badge >> text=encrypted')
    assert.ok(((await page.textContent('main table')) ?? '').includes(HOSTILE))
    assert.equal((await page.$$('main table img')).length, 0)
    assert.doesNotMatch((await page.textContent('main table')) ?? '', /secret/)
    await scan('messages')
    await shot('messages')

    // Jobs: the client's own jobs with its credentials (typed into the page), then its receipt verified.
    const you = privateKeyToAccount(
      readFileSync(join(datadir, 'you.key'), 'utf8').trim() as `0x${string}`,
    ).address
    const clientKey = deriveClientKey(readFileSync(join(datadir, 'master-secret'), 'utf8').trim(), you)
    await page.click('nav >> text=Jobs')
    await page.waitForSelector('main >> text=evm.simulate')
    await page.fill('#job-client', you)
    await page.fill('#job-key', clientKey)
    await page.click('text=Show my jobs')
    await page.waitForSelector('main td >> text=completed')
    await scan('jobs')
    await shot('jobs')
    await page.click(`main a[href="#/verify/${jobId}"]`)
    await page.waitForFunction(() =>
      (document.querySelector('#receipt-json') as HTMLTextAreaElement | null)?.value.includes(
        'apiary-client-receipt',
      ),
    )
    await page.click('text=Verify the receipt')
    await page.waitForSelector('.verdict', { timeout: 60_000 })
    assert.equal(await page.textContent('.verdict'), 'VALID', (await page.textContent('.checks')) ?? '')

    // A phone: no sideways scrolling, the nav and the figures on screen, an epoch readable.
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    })
    const small = await phone.newPage()
    errors.push(...watchErrors(small))
    for (const path of ['#/', `#/epochs/${sealedEpoch}`, '#/agents/agent-1-L3']) {
      await small.goto(`${api}/${path}`)
      await small.waitForSelector('main h1')
      await small.waitForTimeout(1_500)
      const width = await small.evaluate(() => document.documentElement.scrollWidth)
      assert.ok(width <= 390, `${path} is ${width} px wide on a 390 px screen`)
      assert.ok(await small.isVisible('nav >> text=Jobs'))
    }
    await small.goto(`${api}/#/`)
    await small.waitForSelector('[data-testid=dispatched]')
    await shot('phone', small)

    // The scan does find violations where there are some: an input with no label.
    const bad = await browser.newPage()
    await bad.setContent(
      '<!doctype html><html lang="en"><title>t</title><main><input type="text"></main></html>',
    )
    assert.ok((await axeScan(bad)).some((v) => v.id === 'label'))
    assert.deepEqual(
      Object.entries(scans).filter(([, v]) => v.length > 0),
      [],
      'axe-core: no serious or critical violation on any page',
    )
    assert.deepEqual(errors, [])
  } finally {
    await browser.close()
    await stopProcess(up, 'SIGINT')
  }
})
