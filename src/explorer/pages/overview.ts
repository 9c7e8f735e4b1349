import { html } from 'htm/preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import { useJson } from '../api.ts'
import { Chart } from '../chart.ts'
import { useNow } from '../clock.ts'
import { ago, countdown, eth, int, pct, short } from '../format.ts'
import type { CurrentEpoch, OpenEpoch, Shadow, SwarmStatus } from '../types.ts'
import { Failure, Loading, Stat, Table } from '../ui.ts'

/** Samples kept for the rate charts: 300 polls of 2 s, 10 minutes. */
const RING = 300

/** The swarm live: polled every 2 s; tasks/s and results/s from successive counters. */
export function Overview() {
  const status = useJson<SwarmStatus>('/swarm/status', 2000)
  const shadow = useJson<Shadow>('/swarm/shadow', 2000)
  const open = useJson<OpenEpoch>('/swarm/epoch', 2000)
  const current = useJson<CurrentEpoch>('/v1/epochs/current', 5000)
  const now = useNow()
  const samples = useRef<Array<{ t: number; dispatched: number; answered: number }>>([])
  const [rates, setRates] = useState<number[][]>([[], [], []])
  useEffect(() => {
    const s = status.data
    if (s === undefined) return
    // When the first figures are on screen: the explorer's load budget is measured to here (BENCHMARKS.md).
    if (samples.current.length === 0) performance.mark('apiary:overview-data')
    const ring = samples.current
    ring.push({ t: Date.now() / 1000, dispatched: s.tasks.dispatched, answered: s.tasks.answered })
    if (ring.length > RING + 1) ring.shift()
    const x: number[] = []
    const tasks: number[] = []
    const results: number[] = []
    for (let i = 1; i < ring.length; i++) {
      const a = ring[i - 1]
      const b = ring[i]
      if (a === undefined || b === undefined) continue
      const dt = Math.max(b.t - a.t, 0.001)
      x.push(b.t)
      tasks.push(Math.max(0, (b.dispatched - a.dispatched) / dt))
      results.push(Math.max(0, (b.answered - a.answered) / dt))
    }
    setRates([x, tasks, results])
  }, [status.loads])

  const s = status.data
  if (s === undefined)
    return html`<h1>Overview</h1>${status.error ? html`<${Failure} error=${status.error} what="status" />` : html`<${Loading} />`}`
  const last = (a: number[] | undefined) => (a === undefined || a.length === 0 ? undefined : a[a.length - 1])
  const lag = s.chainHead !== null && s.followedBlock !== null ? s.chainHead - s.followedBlock : null
  const levels = Object.entries(shadow.data?.levels ?? {})
  const e = open.data
  const sealed = current.data?.lastSealed
  return html`<h1>Overview</h1>
    <section class="stats" aria-label="Swarm now">
      <${Stat} label="Chain head" value=${html`<span data-testid="chain-head">${int(s.chainHead)}</span>`} hint=${`followed ${int(s.followedBlock)}${lag === null ? '' : `, ${lag} behind`}`} />
      <${Stat} label="Agents live" value=${html`<span data-testid="agents-live">${s.agents.live}</span> / ${s.agents.total}`} />
      <${Stat} label="Tasks/s" value=${last(rates[1])?.toFixed(1) ?? '—'} hint=${html`<span data-testid="dispatched">${int(s.tasks.dispatched)}</span> dispatched`} />
      <${Stat} label="Results/s" value=${last(rates[2])?.toFixed(1) ?? '—'} hint=${html`<span data-testid="answered">${int(s.tasks.answered)}</span> answered, ${int(s.tasks.rejected)} refused`} />
      <${Stat} label="Accuracy" value=${pct(s.accuracy, 2)} hint=${`${int(s.tasks.matched)} of ${int(s.tasks.scored)} scored`} />
      <${Stat} label="Pre-confirmation" value=${pct(s.preConfirmation?.share)} hint=${s.preConfirmation === null ? 'off' : `${int(s.preConfirmation.dispatched)} pre-executed, ${int(s.preConfirmation.landed)} landed, ${int(s.preConfirmation.voided)} void`} />
      <${Stat} label="Canaries" value=${s.canaries === null ? '—' : int(s.canaries.made)} hint=${s.canaries === null ? 'off' : `answers ${int(s.canaries.answersPassed)} passed, ${int(s.canaries.answersFailed)} failed`} />
      <${Stat} label="Open epoch" value=${e === undefined ? '—' : html`<a href=${`#/epochs/${e.epoch}`}>#${e.epoch}</a>`} hint=${e === undefined ? (open.error?.code ?? '') : `closes ${countdown(e.closesAt, now)}${e.closesAtBlock === null ? '' : ` (block ${e.closesAtBlock})`}, reward ${eth(e.rewardWei)}`} />
      <${Stat} label="Last settlement" value=${e?.lastSettled == null ? '—' : html`<a href=${`#/epochs/${e.lastSettled.epoch}`}>epoch ${e.lastSettled.epoch}</a>`} hint=${e?.lastSettled == null ? '' : `block ${e.lastSettled.block}, tx ${short(e.lastSettled.txHash)}`} />
      <${Stat} label="Last sealed" value=${sealed == null ? '—' : html`<a href=${`#/epochs/${sealed.epoch}`}>epoch ${sealed.epoch}</a>`} hint=${sealed?.seal == null ? '' : `${sealed.state}, ${sealed.seal.anchor?.txHash ? `anchor ${short(sealed.seal.anchor.txHash)}` : 'not anchored'}, sealed ${ago(sealed.seal.sealedAt, now)}`} />
    </section>
    <div class="grid2">
      <${Chart} title="Tasks and results per second (last 10 minutes)" time=${true} data=${rates} series=${[
        { label: 'tasks/s', color: '#d97706' },
        { label: 'results/s', color: '#2563eb' },
      ]} />
      <${Table} caption="Accuracy by level" head=${['level', 'scored', 'matched', 'accuracy']} rows=${levels.map(([level, t]) => [level, int(t.scored), int(t.matched), pct(t.accuracy, 2)])} />
    </div>
    ${
      (shadow.data?.stateRoot.length ?? 0) === 0
        ? null
        : html`<${Table} caption="L4 agents' state (StreamStateDiffs)" head=${['agent', 'block', 'state root', 'on chain', 'applied', 'refused']} rows=${(
            shadow.data?.stateRoot ?? []
          ).map((r) => [
            html`<a href=${`#/agents/${encodeURIComponent(r.agentId)}`}>${r.agentId}</a>`,
            int(r.block),
            html`<code title=${r.stateRoot}>${short(r.stateRoot)}</code>`,
            r.onChain === null ? '—' : r.onChain ? 'yes' : 'NO',
            int(r.applied),
            r.error === null ? int(r.refused) : html`${int(r.refused)} <code>${r.error}</code>`,
          ])} />`
    }
    <p class="muted">${s.role} replica, chain ${s.chainId}, up ${int(s.uptimeSeconds)} s; updated every 2 s.</p>`
}
