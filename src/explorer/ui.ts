import { html } from 'htm/preact'
import type { ComponentChildren } from 'preact'
import type { ApiFailure } from './api.ts'

/** Small pieces every page uses. */

export const Stat = ({
  label,
  value,
  hint,
}: {
  label: string
  value: ComponentChildren
  hint?: ComponentChildren
}) =>
  html`<div class="stat"><div class="stat-label">${label}</div><div class="stat-value">${value}</div>${hint === undefined ? null : html`<div class="stat-hint">${hint}</div>`}</div>`

export const Failure = ({ error, what }: { error: ApiFailure | undefined; what: string }) =>
  error === undefined
    ? null
    : html`<p class="error" role="alert">${what}: <code>${error.code}</code> ${error.message}</p>`

export const Loading = () => html`<p class="muted" aria-live="polite">Loading…</p>`

/** A check of a verification, passed or failed with its reason code. */
export const CheckList = ({
  checks,
}: {
  checks: Array<{ id: string; ok: boolean; code?: string; message: string }>
}) =>
  html`<ul class="checks">
    ${checks.map(
      (c) =>
        html`<li class=${c.ok ? 'ok' : 'fail'} data-check=${c.id}>
          <span class="mark" aria-hidden="true">${c.ok ? '✓' : '✗'}</span>
          <strong>${c.id}</strong>
          <span class="sr-only">${c.ok ? 'passed' : 'failed'}</span>
          ${c.ok ? null : html` <code>${c.code}</code>`}
          <span class="check-message">${c.message}</span>
        </li>`,
    )}
  </ul>`

export const Verdict = ({ valid }: { valid: boolean }) =>
  html`<p class=${`verdict ${valid ? 'valid' : 'invalid'}`} role="status">${valid ? 'VALID' : 'INVALID'}</p>`

export const Table = ({
  caption,
  head,
  rows,
}: {
  caption: string
  head: string[]
  rows: ComponentChildren[][]
}) =>
  html`<div class="table-wrap" tabindex="0" role="region" aria-label=${caption}>
    <table>
      <caption>${caption}</caption>
      <thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
      <tbody>${rows.length === 0 ? html`<tr><td colspan=${head.length} class="muted">none yet</td></tr>` : rows.map((r) => html`<tr>${r.map((c) => html`<td>${c}</td>`)}</tr>`)}</tbody>
    </table>
  </div>`
