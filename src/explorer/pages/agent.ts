import { html } from 'htm/preact'
import { useEffect, useState } from 'preact/hooks'
import { getJson, useJson } from '../api.ts'
import { Chart } from '../chart.ts'
import { bps, eth, ethNumber, int, pct, short } from '../format.ts'
import type { AgentRewards, Agent as AgentView, ChallengeDetail, ChallengeList, OwnAgent } from '../types.ts'
import { Failure, Loading, Stat, Table } from '../ui.ts'

/**
 * One agent: public record, accuracy and earnings per epoch, the challenges it was invited to; with its own
 * key (kept in this page's memory only, sent only to this coordinator) its private fields: canaries,
 * refusals, per-field accuracy.
 */
export function Agent({ id }: { id: string }) {
  const [key, setKey] = useState('')
  const headers = key === '' ? undefined : { 'x-apiary-agent-id': id, authorization: `Bearer ${key}` }
  const agent = useJson<AgentView | OwnAgent>(`/swarm/agents/${encodeURIComponent(id)}`, 5000, headers)
  const rewards = useJson<AgentRewards>(`/api/rewards?agent=${encodeURIComponent(id)}`, 10_000)
  const a = agent.data
  const own = a !== undefined && 'session' in a ? (a as OwnAgent) : undefined
  const epochs = [...(rewards.data?.epochs ?? [])].sort((x, y) => x.epoch - y.epoch)
  return html`<h1>Agent <code>${id}</code></h1>
    <${Failure} error=${agent.error} what="agent" />
    ${
      a === undefined
        ? agent.error === undefined
          ? html`<${Loading} />`
          : null
        : html`<section class="stats" aria-label="Agent">
            <${Stat} label="Level" value=${a.level} hint=${`${a.region}, ${a.version}`} />
            <${Stat} label="Live" value=${a.live ? 'yes' : 'no'} />
            <${Stat} label="Accuracy" value=${pct(a.accuracy, 2)} hint=${`${int(a.matched)} of ${int(a.scored)} scored`} />
            <${Stat} label="Earned (settled)" value=${eth(rewards.data?.totals.settledWei)} hint=${`owed ${eth(rewards.data?.totals.owedWei)}`} />
            <${Stat} label="Payout wallet" value=${html`<code title=${a.payoutWallet}>${short(a.payoutWallet)}</code>`} />
          </section>`
    }
    ${
      epochs.length === 0
        ? null
        : html`<div class="grid2">
            <${Chart} title="Accuracy per epoch (%)" yMax=${100} data=${[epochs.map((e) => e.epoch), epochs.map((e) => e.accuracyBps / 100)]} series=${[{ label: 'accuracy %', color: '#16a34a' }]} />
            <${Chart} title="Earnings per epoch (ETH)" bars=${true} data=${[epochs.map((e) => e.epoch), epochs.map((e) => ethNumber(e.amountWei))]} series=${[{ label: 'ETH', color: '#d97706' }]} />
          </div>`
    }
    <${Table} caption="Epochs" head=${['epoch', 'state', 'scored', 'matched', 'accuracy', 'rank', 'amount', 'settlement']} rows=${[
      ...epochs,
    ]
      .reverse()
      .map((e) => [
        html`<a href=${`#/epochs/${e.epoch}`}>${e.epoch}</a>`,
        e.state,
        int(e.scored),
        int(e.matched),
        bps(e.accuracyBps),
        e.rank === 0 ? '—' : `${e.rank} of ${e.agentsPaid}`,
        eth(e.amountWei),
        e.txHash === null ? '—' : html`<code title=${e.txHash}>${short(e.txHash)}</code>`,
      ])} />
    ${a === undefined ? null : html`<${AgentChallenges} wallet=${a.payoutWallet} />`}
    <section aria-labelledby="private">
      <h2 id="private">Private fields</h2>
      ${
        own === undefined
          ? html`<form class="inline" onSubmit=${(event: Event) => {
              event.preventDefault()
              const input = (event.currentTarget as HTMLFormElement).elements.namedItem(
                'key',
              ) as HTMLInputElement
              setKey(input.value.trim())
            }}>
              <label for="agent-key">This agent's API key</label>
              <input id="agent-key" name="key" type="password" autocomplete="off" placeholder="apiary_…" />
              <button type="submit">Show</button>
              <span class="muted">kept in this page's memory only, sent only to this coordinator</span>
            </form>
            ${key !== '' && a !== undefined ? html`<p class="error" role="alert">The key was not accepted for ${id}.</p>` : null}`
          : html`<section class="stats" aria-label="Private">
              <${Stat} label="Canaries passed" value=${int(own.canaries.passed)} hint=${`failed ${own.canaries.failed}, skipped ${own.canaries.skipped}`} />
              <${Stat} label="Session" value=${int(own.session)} hint=${`in flight ≤ ${own.maxInFlight}`} />
              <${Stat} label="Excluded" value=${own.excluded === null ? 'no' : `since ${own.excluded.at}`} hint=${own.excluded?.reason ?? ''} />
            </section>
            <div class="grid2">
              <${Table} caption="Refused answers" head=${['reason', 'count']} rows=${Object.entries(own.rejections).map(([k, v]) => [html`<code>${k}</code>`, int(v)])} />
              <${Table} caption="Accuracy by field" head=${['field', 'agreed', 'compared', 'accuracy']} rows=${Object.entries(own.fields).map(([k, f]) => [k, int(f.agreed), int(f.compared), pct(f.accuracy, 2)])} />
            </div>`
      }
    </section>`
}

/** The newest challenges this wallet was invited to, and what it did in each. */
function AgentChallenges({ wallet }: { wallet: string }) {
  const [rows, setRows] = useState<ChallengeDetail[] | undefined>(undefined)
  useEffect(() => {
    const controller = new AbortController()
    void (async () => {
      try {
        const list = await getJson<ChallengeList>('/v1/challenges?limit=10', {}, controller.signal)
        const details = await Promise.all(
          list.challenges.map((c) =>
            getJson<ChallengeDetail>(`/v1/challenges/${c.id}`, {}, controller.signal),
          ),
        )
        setRows(details.filter((d) => d.invitees.some((i) => i.toLowerCase() === wallet.toLowerCase())))
      } catch {
        if (!controller.signal.aborted) setRows([])
      }
    })()
    return () => controller.abort()
  }, [wallet])
  if (rows === undefined) return null
  const mine = (list: Array<{ agent: string; block: string }>) =>
    list.find((x) => x.agent.toLowerCase() === wallet.toLowerCase())
  return html`<${Table} caption="Challenges it was invited to (the newest 10)" head=${['challenge', 'phase', 'committed', 'revealed', 'answered', 'score']} rows=${rows.map(
    (d) => {
      const verdict = d.metrics.verdicts?.find((v) => v.agent.toLowerCase() === wallet.toLowerCase())
      const commit = mine(d.commits)
      const reveal = mine(d.reveals)
      return [
        html`<a href=${`#/challenges/${d.id}`}><code>${short(d.id, 4)}</code></a>`,
        d.metrics.phase,
        commit === undefined ? 'no' : `block ${BigInt(commit.block)}`,
        reveal === undefined ? 'no' : `block ${BigInt(reveal.block)}`,
        verdict === undefined ? '—' : verdict.answered ? 'right' : 'wrong',
        d.finalized === undefined ? '—' : bps(d.finalized.score),
      ]
    },
  )} />`
}
