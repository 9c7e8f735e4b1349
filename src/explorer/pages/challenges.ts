import { html } from 'htm/preact'
import { useJson } from '../api.ts'
import { bps, quantity, short } from '../format.ts'
import type { ChallengeDetail, ChallengeList } from '../types.ts'
import { Failure, Loading, Stat, Table } from '../ui.ts'

/** Proof of Swarm challenges, newest first. */
export function Challenges() {
  const list = useJson<ChallengeList>('/v1/challenges?limit=100', 5000)
  return html`<h1>Challenges</h1>
    <${Failure} error=${list.error} what="challenges" />
    ${list.data === undefined ? (list.error === undefined ? html`<${Loading} />` : null) : html`<p class="muted">SwarmChallenge <code>${list.data.contract}</code>, indexed to block ${quantity(list.data.indexedTo)}.</p>`}
    <${Table} caption="Challenges, newest first" head=${['#', 'phase', 'start', 'commit by', 'reveal by', 'invitees', 'score', 'passed']} rows=${(
      list.data?.challenges ?? []
    ).map((c) => [
      html`<a href=${`#/challenges/${c.id}`}><code>${short(c.id, 4)}</code></a>`,
      c.phase,
      quantity(c.startBlock),
      quantity(c.commitDeadline),
      quantity(c.revealDeadline),
      c.invitees,
      bps(c.score),
      c.passed === null ? '—' : c.passed ? 'yes' : 'no',
    ])} />`
}

/** One challenge: each invitee's commit and reveal on a block timeline, score, capacity bound, ERC-8004 record. */
export function Challenge({ id }: { id: string }) {
  const detail = useJson<ChallengeDetail>(`/v1/challenges/${encodeURIComponent(id)}`, 5000)
  const d = detail.data
  if (d === undefined)
    return html`<h1>Challenge <code>${short(id, 4)}</code></h1>${detail.error ? html`<${Failure} error=${detail.error} what="challenge" />` : html`<${Loading} />`}`
  const start = quantity(d.startBlock)
  const commitBy = quantity(d.commitDeadline)
  const revealBy = quantity(d.revealDeadline)
  const span = Math.max(revealBy - start, 1)
  const at = (block: number) => `${(100 * Math.min(Math.max(block - start, 0), span)) / span}%`
  const commitOf = new Map(d.commits.map((c) => [c.agent.toLowerCase(), c]))
  const revealOf = new Map(d.reveals.map((r) => [r.agent.toLowerCase(), r]))
  const verdictOf = new Map((d.metrics.verdicts ?? []).map((v) => [v.agent.toLowerCase(), v]))
  return html`<h1>Challenge <code title=${d.id}>${short(d.id, 4)}</code></h1>
    <section class="stats" aria-label="Challenge">
      <${Stat} label="Phase" value=${d.metrics.phase} hint=${`${d.metrics.commits} commits, ${d.metrics.reveals} reveals of ${d.metrics.invitees}`} />
      <${Stat} label="Score" value=${bps(d.finalized?.score ?? d.metrics.score)} hint=${d.finalized === undefined ? 'not finalized' : d.finalized.passed ? 'passed' : 'failed'} />
      <${Stat} label="Commit spread" value=${`${d.metrics.spread} blocks`} />
      <${Stat} label="Capacity bound" value=${d.capacity === null ? '—' : `${d.capacity.units} unit${d.capacity.units === 1 ? '' : 's'}`} hint=${d.capacity === null ? '' : `${d.capacity.answered} answered, ${d.capacity.taskSeconds.toFixed(2)} s a task for a ${d.capacity.machineClass.name}`} />
    </section>
    <section aria-labelledby="timeline-title" class="panel">
      <h2 id="timeline-title">Timeline, blocks ${start} → ${revealBy}</h2>
      <p class="muted">Commit window ends at block ${commitBy}, reveal window at ${revealBy}. ● commit, ◆ reveal.</p>
      <ol class="timeline">
        ${d.invitees.map((agent) => {
          const c = commitOf.get(agent.toLowerCase())
          const r = revealOf.get(agent.toLowerCase())
          const v = verdictOf.get(agent.toLowerCase())
          return html`<li>
            <code class="who" title=${agent}>${short(agent, 4)}</code>
            <div class="track" role="img" aria-label=${`${agent}: ${c === undefined ? 'no commit' : `commit at block ${quantity(c.block)}`}, ${r === undefined ? 'no reveal' : `reveal at block ${quantity(r.block)}`}${v === undefined ? '' : v.answered ? ', right' : ', wrong'}`}>
              <span class="deadline" style=${{ left: at(commitBy) }}></span>
              ${c === undefined ? null : html`<span class="dot commit" style=${{ left: at(quantity(c.block)) }} title=${`commit, block ${quantity(c.block)}`}>●</span>`}
              ${r === undefined ? null : html`<span class="dot reveal" style=${{ left: at(quantity(r.block)) }} title=${`reveal, block ${quantity(r.block)}`}>◆</span>`}
            </div>
            <span class="what">${v === undefined ? (r === undefined ? (c === undefined ? 'silent' : 'unrevealed') : 'revealed') : v.answered ? 'right' : 'wrong'}</span>
          </li>`
        })}
      </ol>
    </section>
    <dl class="facts">
      <dt>Prompt</dt><dd>${d.prompt}</dd>
      <dt>Creator</dt><dd><code>${d.creator}</code></dd>
      <dt>Difficulty</dt><dd>${quantity(d.difficulty)}</dd>
      <dt>Created</dt><dd><code>${d.createdTx}</code></dd>
      ${d.finalized === undefined ? null : html`<dt>Finalized</dt><dd>block ${quantity(d.finalized.block)}, tx <code>${d.finalized.tx}</code>, swarm hash <code>${short(d.finalized.swarmHash)}</code></dd>`}
      <dt>ERC-8004 validation</dt><dd>${d.validation === null ? 'none' : html`registry <code>${d.validation.registry}</code>, request <code>${short(d.validation.requestHash)}</code>, agent ${quantity(d.validation.agentId)}, response ${d.validation.response ?? 'pending'} (${d.validation.tag})`}</dd>
    </dl>`
}
