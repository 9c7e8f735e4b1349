import { html } from 'htm/preact'
import { useState } from 'preact/hooks'
import { useJson } from '../api.ts'
import { useNow } from '../clock.ts'
import { ago, eth, int, short } from '../format.ts'
import type { JobList } from '../types.ts'
import { Failure, Table } from '../ui.ts'

interface Prices {
  escrow: string | null
  prices: Array<{ type: string; asset: string; unit: string; amount: string }>
}

/** Client credentials typed into the page: this page's memory only, sent only to this coordinator. */
let remembered: { client: string; key: string } | undefined

/** The price list, and a client's own jobs with its credentials: states, fees, receipts. */
export function Jobs() {
  const [creds, setCreds] = useState(remembered)
  const prices = useJson<Prices>('/v1/jobs/prices')
  const jobs = useJson<JobList>(
    creds === undefined ? undefined : `/v1/jobs?client=${creds.client}&limit=100`,
    5000,
    creds === undefined
      ? undefined
      : { 'x-apiary-client': creds.client, authorization: `Bearer ${creds.key}` },
  )
  const now = useNow(5000)
  return html`<h1>Jobs</h1>
    <${Failure} error=${prices.error} what="prices" />
    ${
      prices.data === undefined
        ? null
        : prices.data.escrow === null
          ? html`<p class="muted">This coordinator takes no client jobs.</p>`
          : html`<${Table} caption=${`Prices (JobEscrow ${prices.data.escrow})`} head=${['job type', 'asset', 'per', 'price']} rows=${prices.data.prices.map(
              (p) => [p.type, p.asset, p.unit, p.asset === 'coin' ? eth(p.amount) : `${p.amount} units`],
            )} />`
    }
    <form class="inline" onSubmit=${(event: Event) => {
      event.preventDefault()
      const form = event.currentTarget as HTMLFormElement
      const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value.trim()
      remembered = { client: value('client'), key: value('key') }
      setCreds(remembered)
    }}>
      <label for="job-client">Client address</label>
      <input id="job-client" name="client" required pattern="^0x[0-9a-fA-F]{40}$" placeholder="0x…" value=${creds?.client ?? ''} />
      <label for="job-key">API key</label>
      <input id="job-key" name="key" type="password" required autocomplete="off" placeholder="apiary_client_…" />
      <button type="submit">Show my jobs</button>
    </form>
    <p class="muted">A client's jobs are its own: the key stays in this page's memory and goes only to this coordinator.</p>
    <${Failure} error=${jobs.error} what="jobs" />
    ${
      jobs.data === undefined
        ? null
        : html`<${Table} caption="Your jobs, newest first" head=${['job', 'type', 'state', 'max fee', 'fee', 'epoch', 'agents', 'created', 'receipt']} rows=${jobs.data.jobs.map(
            (j) => [
              html`<code title=${j.id}>${short(j.id, 6)}</code>`,
              j.type,
              j.error === null ? j.state : html`${j.state} <code>${j.error}</code>`,
              j.asset === 'coin' ? eth(j.maxFee) : j.maxFee,
              j.fee === null ? '—' : j.asset === 'coin' ? eth(j.fee) : j.fee,
              j.epoch === null ? '—' : html`<a href=${`#/epochs/${j.epoch}`}>${j.epoch}</a>`,
              `${int(j.agents.filter((a) => a.matched === true).length)} agreed of ${int(j.agents.length)}`,
              ago(j.createdAt, now),
              j.state === 'completed' ? html`<a href=${`#/verify/${j.id}`}>verify</a>` : '—',
            ],
          )} />`
    }`
}
