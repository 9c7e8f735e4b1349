import { html } from 'htm/preact'
import { useState } from 'preact/hooks'
import { useJson } from '../api.ts'
import { quantity, short } from '../format.ts'
import type { Messages as MessageList } from '../types.ts'
import { Failure, Loading, Table } from '../ui.ts'

/** Mailbox messages, to one address or all; encrypted bodies are shown as such, never guessed at. */
export function Messages({ address }: { address: string | undefined }) {
  const [typed, setTyped] = useState(address ?? '')
  const list = useJson<MessageList>(`/v1/messages${address === undefined ? '' : `?address=${address}`}`, 5000)
  const messages = list.data?.messages ?? []
  return html`<h1>Messages</h1>
    <form class="inline" onSubmit=${(event: Event) => {
      event.preventDefault()
      location.hash = typed.trim() === '' ? '#/messages' : `#/messages/${typed.trim()}`
    }}>
      <label for="msg-address">Conversations of address</label>
      <input id="msg-address" value=${typed} onInput=${(ev: Event) => setTyped((ev.currentTarget as HTMLInputElement).value)} placeholder="0x… (empty: all)" pattern="^(0x[0-9a-fA-F]{40})?$" />
      <button type="submit">Show</button>
    </form>
    <${Failure} error=${list.error} what="messages" />
    ${list.data === undefined ? (list.error === undefined ? html`<${Loading} />` : null) : html`<p class="muted">Mailbox <code>${list.data.mailbox}</code>, blocks ${list.data.fromBlock}–${list.data.toBlock}.</p>`}
    <${Table} caption="Messages, oldest first" head=${['#', 'block', 'from', 'to', 'type', 'body']} rows=${messages.map(
      (m) => [
        quantity(m.id),
        quantity(m.block),
        html`<a href=${`#/messages/${m.from}`}><code title=${m.from}>${short(m.from, 4)}</code></a>`,
        html`<a href=${`#/messages/${m.to}`}><code title=${m.to}>${short(m.to, 4)}</code></a>`,
        m.status !== 'ok' ? '—' : m.reply_to === undefined ? m.type : `${m.type} (reply to #${m.reply_to})`,
        m.status === 'encrypted'
          ? html`<span class="badge">encrypted (${m.bytes} bytes)</span>`
          : m.status === 'rejected'
            ? html`<span class="badge bad">unreadable</span> <code>${m.code}</code>`
            : html`${m.encrypted ? html`<span class="badge">decrypted</span> ` : null}${m.body === '' ? html`<span class="muted">(empty)</span>` : html`<span class="body">${m.body}</span>`}`,
      ],
    )} />`
}
