import { html } from 'htm/preact'
import { useEffect, useState } from 'preact/hooks'
import { getJson } from '../api.ts'
import { CheckList, Verdict } from '../ui.ts'
import type { BrowserReport } from '../verify/index.ts'

/**
 * Verify a receipt (pasted or dropped JSON: a validation job's or a client job's) or a bundle's CAR file,
 * entirely in this browser; with an RPC URL, also its on-chain anchor.
 */
export function Verify({ job }: { job?: string | undefined }) {
  const [text, setText] = useState('')
  const [rpc, setRpc] = useState('')
  const [report, setReport] = useState<BrowserReport | undefined>(undefined)
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  // #/verify/JOB: the job's receipt is fetched into the box; checking it is still done here.
  useEffect(() => {
    if (job === undefined) return
    getJson(`/v1/jobs/${encodeURIComponent(job)}/receipt`)
      .then((receipt) => setText(JSON.stringify(receipt, null, 2)))
      .catch((error: Error) => setProblem(`no receipt for ${job}: ${error.message}`))
  }, [job])
  const rpcUrl = () => (rpc.trim() === '' ? undefined : rpc.trim())
  const run = async (work: (v: typeof import('../verify/index.ts')) => Promise<BrowserReport>) => {
    setBusy(true)
    setReport(undefined)
    setProblem(undefined)
    try {
      setReport(await work(await import('../verify/index.ts')))
    } catch (error) {
      setProblem((error as Error).message)
    } finally {
      setBusy(false)
    }
  }
  const verifyText = (json: string) => {
    let input: unknown
    try {
      input = JSON.parse(json)
    } catch {
      setReport(undefined)
      setProblem('APIARY_RECEIPT_UNREADABLE: this is not JSON')
      return
    }
    void run((v) => v.verifyReceiptInBrowser(input, { rpcUrl: rpcUrl() }))
  }
  const takeFile = async (file: File | undefined) => {
    if (file === undefined) return
    const bytes = new Uint8Array(await file.arrayBuffer())
    if (file.name.endsWith('.car') || !/^\s*\{/.test(new TextDecoder().decode(bytes.subarray(0, 64))))
      void run((v) => v.verifyCarInBrowser(bytes, { rpcUrl: rpcUrl() }))
    else {
      const json = new TextDecoder().decode(bytes)
      setText(json)
      verifyText(json)
    }
  }
  return html`<h1>Verify a receipt or a bundle</h1>
    <p class="muted">Everything runs in this browser with the CLI's own code (<code>apiary verify receipt|bundle</code>):
      the job or client job, its Merkle proof, the sealed root and the EIP-191 signature; for a CAR, every file.
      Get a receipt from <code>/v1/jobs/ID/receipt</code>.</p>
    <form class="stack" onSubmit=${(event: Event) => {
      event.preventDefault()
      verifyText(text)
    }}>
      <label for="receipt-json">Receipt JSON</label>
      <textarea id="receipt-json" rows="8" spellcheck="false" value=${text}
        onInput=${(ev: Event) => setText((ev.currentTarget as HTMLTextAreaElement).value)}
        onDragOver=${(ev: DragEvent) => ev.preventDefault()}
        onDrop=${(ev: DragEvent) => {
          ev.preventDefault()
          void takeFile(ev.dataTransfer?.files[0])
        }}
        placeholder='{"version": "apiary-receipt/1", …} — paste, or drop a .json or .car file here'></textarea>
      <label for="verify-file">Or a file (receipt .json or bundle .car)</label>
      <input id="verify-file" type="file" accept=".json,.car,application/json,application/vnd.ipld.car"
        onChange=${(ev: Event) => void takeFile((ev.currentTarget as HTMLInputElement).files?.[0])} />
      <label for="verify-rpc">RPC URL to check the anchor (optional)</label>
      <input id="verify-rpc" type="url" value=${rpc} onInput=${(ev: Event) => setRpc((ev.currentTarget as HTMLInputElement).value)} placeholder="http://127.0.0.1:8545" />
      <div><button type="submit" disabled=${busy || text.trim() === ''}>${busy ? 'Verifying…' : 'Verify the receipt'}</button></div>
    </form>
    ${problem === undefined ? null : html`<p class="error" role="alert">${problem}</p>`}
    ${
      report === undefined
        ? null
        : html`<section class="panel" aria-label="Result">
            <${Verdict} valid=${report.valid} />
            <p class="muted">${Object.entries(report.facts)
              .filter(([, v]) => v !== undefined)
              .map(([k, v]) => `${k} ${v}`)
              .join(' · ')}</p>
            <${CheckList} checks=${report.checks} />
          </section>`
    }`
}
