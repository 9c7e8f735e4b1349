import { html } from 'htm/preact'
import { useJson } from '../api.ts'
import { useNow } from '../clock.ts'
import { ago, int, pct, short } from '../format.ts'
import type { Leaderboard } from '../types.ts'
import { Failure, Loading, Table } from '../ui.ts'

export const agentLink = (id: string) => html`<a href=${`#/agents/${encodeURIComponent(id)}`}>${id}</a>`

/** The leaderboard: every agent, by answers that matched the chain. */
export function Agents() {
  const board = useJson<Leaderboard>('/swarm/leaderboard', 5000)
  const now = useNow(5000)
  return html`<h1>Agents</h1>
    <${Failure} error=${board.error} what="leaderboard" />
    ${
      board.data === undefined
        ? html`<${Loading} />`
        : html`<${Table} caption="Leaderboard (answers matched against the chain)" head=${['#', 'agent', 'level', 'region', 'live', 'scored', 'matched', 'accuracy', 'payout wallet', 'last seen']} rows=${board.data.leaderboard.map(
            (a) => [
              a.rank,
              agentLink(a.id),
              a.level,
              a.region,
              a.live ? 'yes' : 'no',
              int(a.scored),
              int(a.matched),
              pct(a.accuracy, 2),
              html`<code title=${a.payoutWallet}>${short(a.payoutWallet)}</code>`,
              ago(a.lastSeenAt, now),
            ],
          )} />`
    }`
}
