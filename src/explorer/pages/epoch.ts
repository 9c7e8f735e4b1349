import { html } from 'htm/preact'
import { useState } from 'preact/hooks'
import { useJson } from '../api.ts'
import { Chart } from '../chart.ts'
import { bps, eth, ethNumber, int, short } from '../format.ts'
import type { EpochSettlementDetail, JobPage, SealedEpoch } from '../types.ts'
import { CheckList, Failure, Loading, Table, Verdict } from '../ui.ts'
import type { BrowserReport } from '../verify/index.ts'
import { agentLink } from './agents.ts'

/** The RPC URL typed last, for this page's life (never stored). */
let lastRpcUrl = ''

/** One epoch: summary, treasury split, payouts, seal and anchor, CAR download, and Verify in the browser. */
export function Epoch({ number }: { number: number }) {
  const epoch = useJson<SealedEpoch>(`/v1/epochs/${number}`, 5000)
  const board = useJson<EpochSettlementDetail>(`/swarm/epochs/${number}`, 10_000)
  const e = epoch.data
  // Its jobs once the files are served as sealed (409 before, 503 when damaged).
  const servable = e?.state === 'sealed' || e?.state === 'anchored'
  const jobs = useJson<JobPage>(servable ? `/v1/epochs/${number}/jobs?limit=20` : undefined)
  const summary = e?.summary ?? null
  const treasury = summary?.treasury
  const split: Array<[string, string]> =
    treasury === undefined
      ? []
      : [
          ['operator fee', treasury.operator_fee],
          ['protocol fee', treasury.protocol_fee],
          ['work pool', treasury.work_pool],
          ['readiness pool', treasury.readiness_pool],
          ['undistributed', treasury.undistributed],
        ]
  return html`<h1>Epoch ${number}</h1>
    <${Failure} error=${epoch.error} what="epoch" />
    ${
      e === undefined
        ? epoch.error === undefined
          ? html`<${Loading} />`
          : null
        : html`<dl class="facts">
            <dt>State</dt><dd data-testid="epoch-state">${e.state}${e.damage === undefined ? '' : ` (${e.damage})`}</dd>
            <dt>Time</dt><dd>${e.startedAt} → ${e.closedAt ?? 'open'}</dd>
            <dt>Blocks</dt><dd>${e.blocks.from ?? '—'} – ${e.blocks.to ?? '—'}</dd>
            ${
              e.seal === null
                ? null
                : html`<dt>Jobs</dt><dd>${int(e.seal.jobs)}${summary === null ? '' : ` (${int(summary.jobs.matched)} matched)`}</dd>
                  <dt>Job root</dt><dd><code>${e.seal.jobRoot}</code></dd>
                  <dt>Payout root</dt><dd><code>${e.seal.payoutRoot}</code></dd>
                  <dt>Signer</dt><dd><code>${e.seal.signer}</code></dd>
                  <dt>CID</dt><dd><code data-testid="epoch-cid">${e.seal.cid ?? '—'}</code></dd>
                  <dt>Anchor</dt><dd>${e.seal.anchor === null ? 'none' : html`${e.seal.anchor.state} in <code>${e.seal.anchor.registry}</code>${e.seal.anchor.txHash === null ? '' : html`, tx <code>${e.seal.anchor.txHash}</code> (block ${e.seal.anchor.block})`}`}</dd>
                  <dt>Bundle</dt><dd><a href=${`/v1/epochs/${number}/car`} download=${`epoch-${String(number).padStart(6, '0')}.car`}>Download the CAR</a></dd>`
            }
          </dl>`
    }
    ${e?.seal == null ? null : html`<${VerifyEpoch} number=${number} />`}
    ${
      split.length === 0
        ? null
        : html`<div class="grid2">
            <${Chart} title=${`Treasury split of ${eth(treasury?.revenue)} (ETH)`} bars=${true} xLabel="part" xNames=${split.map(([name]) => name)} data=${[split.map((_, i) => i + 1), split.map(([, wei]) => ethNumber(wei))]} series=${[{ label: 'ETH', color: '#7c3aed' }]} />
            <${Table} caption="Treasury" head=${['part', 'amount']} rows=${[...split.map(([name, wei], i) => [`${i + 1}. ${name}`, eth(wei)]), ['distributed', eth(treasury?.distributed)]]} />
          </div>`
    }
    <${Table} caption="Payouts" head=${['rank', 'agent', 'scored', 'matched', 'accuracy', 'bonus', 'amount']} rows=${(
      board.data?.leaderboard ?? []
    ).map((b) => [
      b.rank === 0 ? '—' : b.rank,
      agentLink(b.agentId),
      int(b.scored),
      int(b.matched),
      bps(b.accuracyBps),
      b.bonus ? 'yes' : 'no',
      eth(b.amountWei),
    ])} />
    ${
      jobs.data === undefined
        ? null
        : html`<${Table} caption=${`Jobs (the first ${jobs.data.jobs.length} of ${int(jobs.data.total)}), each with its receipt`} head=${['job', 'type', 'kind', 'agent', 'verdict', 'matched', 'receipt']} rows=${jobs.data.jobs.map(
            (j) => [
              html`<code>${j.id}</code>`,
              j.type,
              j.kind,
              html`<a href=${`#/agents/${encodeURIComponent(j.agent_id)}`}>${j.agent_id}</a> <code title=${j.agent}>${short(j.agent, 4)}</code>`,
              j.verdict,
              j.matched ? 'yes' : 'no',
              html`<a href=${`#/verify/${j.id}`}>verify</a>`,
            ],
          )} />`
    }`
}

/** Fetches the CAR and checks it here: the seal, every file hash, the roots, and the anchor through `rpc`. */
function VerifyEpoch({ number }: { number: number }) {
  const [report, setReport] = useState<BrowserReport | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const [rpc, setRpc] = useState(lastRpcUrl)
  const run = async (event: Event) => {
    event.preventDefault()
    setBusy(true)
    setReport(undefined)
    setProblem(undefined)
    lastRpcUrl = rpc
    try {
      const response = await fetch(`/v1/epochs/${number}/car`)
      if (!response.ok) throw new Error(`the coordinator answered ${response.status} for the CAR`)
      const car = new Uint8Array(await response.arrayBuffer())
      const { verifyCarInBrowser } = await import('../verify/index.ts')
      setReport(await verifyCarInBrowser(car, { rpcUrl: rpc.trim() === '' ? undefined : rpc.trim() }))
    } catch (error) {
      setProblem((error as Error).message)
    } finally {
      setBusy(false)
    }
  }
  return html`<section aria-labelledby="verify-title" class="panel">
    <h2 id="verify-title">Verify in this browser</h2>
    <p class="muted">
      ${"Checks the bundle's EIP-191 seal, every file hash, the job and payout Merkle roots and the CID with the same code as "}
      <code>apiary verify bundle</code>${"; with an RPC URL, also the epoch's "}<code>Sealed</code>${' event in the EpochRegistry, read from that node (not from this coordinator).'}
    </p>
    <form class="inline" onSubmit=${run}>
      <label for="rpc-url">RPC URL (optional)</label>
      <input id="rpc-url" type="url" value=${rpc} onInput=${(ev: Event) => setRpc((ev.currentTarget as HTMLInputElement).value)} placeholder="http://127.0.0.1:8545" />
      <button type="submit" disabled=${busy}>${busy ? 'Verifying…' : 'Verify'}</button>
    </form>
    ${problem === undefined ? null : html`<p class="error" role="alert">${problem}</p>`}
    ${report === undefined ? null : html`<${Verdict} valid=${report.valid} /><${CheckList} checks=${report.checks} />`}
  </section>`
}
