import { html } from 'htm/preact'
import { useJson } from '../api.ts'
import { eth, int, short } from '../format.ts'
import type { EpochList, EpochSettlements } from '../types.ts'
import { Failure, Loading, Table } from '../ui.ts'

/** Every epoch: its seal (state, jobs, CID, anchor) and its settlement. */
export function Epochs() {
  const sealed = useJson<EpochList>('/v1/epochs?limit=100', 5000)
  const settled = useJson<EpochSettlements>('/swarm/epochs?limit=100', 5000)
  const settlement = new Map((settled.data?.epochs ?? []).map((e) => [e.epoch, e]))
  const epochs = sealed.data?.epochs ?? []
  return html`<h1>Epochs</h1>
    <${Failure} error=${sealed.error} what="epochs" />
    ${sealed.data === undefined ? (sealed.error === undefined ? html`<${Loading} />` : null) : html`<p class="muted">Sealed by <code>${sealed.data.signer}</code> on chain ${sealed.data.chainId}.</p>`}
    <${Table} caption="Epochs, newest first" head=${['epoch', 'state', 'blocks', 'jobs', 'paid', 'reward', 'CID', 'anchor']} rows=${epochs.map(
      (e) => {
        const s = settlement.get(e.epoch)
        return [
          html`<a href=${`#/epochs/${e.epoch}`}>${e.epoch}</a>`,
          e.state,
          e.blocks.from === null ? '—' : `${e.blocks.from}–${e.blocks.to ?? '…'}`,
          e.seal === null ? '—' : int(e.seal.jobs),
          s === undefined ? '—' : `${int(s.agentsPaid)} (${s.state})`,
          s === undefined ? '—' : eth(s.rewardWei),
          e.seal?.cid == null ? '—' : html`<code title=${e.seal.cid}>${short(e.seal.cid, 8)}</code>`,
          e.seal?.anchor?.txHash == null
            ? (e.seal?.anchor?.state ?? '—')
            : html`<code title=${e.seal.anchor.txHash}>${short(e.seal.anchor.txHash)}</code>`,
        ]
      },
    )} />`
}
