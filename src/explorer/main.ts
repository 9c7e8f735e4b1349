import { Component, html, render } from 'htm/preact'
import type { ComponentChildren } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import {
  Agent,
  Agents,
  Challenge,
  Challenges,
  Epoch,
  Epochs,
  Jobs,
  Messages,
  Overview,
  Verify,
} from './pages/index.ts'
import './style.css'

const NAV: Array<[string, string]> = [
  ['#/', 'Overview'],
  ['#/agents', 'Agents'],
  ['#/epochs', 'Epochs'],
  ['#/verify', 'Verify'],
  ['#/challenges', 'Challenges'],
  ['#/messages', 'Messages'],
  ['#/jobs', 'Jobs'],
]

/** The page for a hash route (`#/epochs/12`); every replica serves the same files, routing is here. */
function route(hash: string) {
  const [section = '', id] = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent)
  const n = Number(id)
  switch (section) {
    case '':
      return html`<${Overview} />`
    case 'agents':
      return id === undefined ? html`<${Agents} />` : html`<${Agent} id=${id} />`
    case 'epochs':
      return id === undefined || !Number.isSafeInteger(n)
        ? html`<${Epochs} />`
        : html`<${Epoch} number=${n} />`
    case 'verify':
      return html`<${Verify} job=${id} />`
    case 'challenges':
      return id === undefined ? html`<${Challenges} />` : html`<${Challenge} id=${id} />`
    case 'messages':
      return html`<${Messages} address=${id} />`
    case 'jobs':
      return html`<${Jobs} />`
    default:
      return html`<h1>Not found</h1><p>No page <code>${hash}</code>. <a href="#/">Overview</a></p>`
  }
}

/** A page that throws shows what broke instead of blanking the whole explorer. */
class PageBoundary extends Component<
  { page: string; children: ComponentChildren },
  { error?: Error | undefined }
> {
  override state: { error?: Error | undefined } = {}
  static getDerivedStateFromError(error: Error) {
    return { error }
  }
  override componentDidUpdate(previous: { page: string }) {
    if (previous.page !== this.props.page && this.state.error !== undefined)
      this.setState({ error: undefined })
  }
  override render() {
    return this.state.error === undefined
      ? this.props.children
      : html`<h1>This page failed</h1><p class="error" role="alert">${this.state.error.message}</p>`
  }
}

const section = (hash: string) => `#/${hash.replace(/^#\/?/, '').split('/')[0] ?? ''}`

function App() {
  const [hash, setHash] = useState(location.hash === '' ? '#/' : location.hash)
  const moved = useRef(false)
  useEffect(() => {
    const onHash = () => {
      moved.current = true
      setHash(location.hash === '' ? '#/' : location.hash)
    }
    addEventListener('hashchange', onHash)
    return () => removeEventListener('hashchange', onHash)
  }, [])
  // After a move to another page (not at first load), its heading takes the focus: keyboard and
  // screen-reader users start there.
  useEffect(() => {
    const title = NAV.find(([h]) => h === section(hash))?.[1] ?? 'Apiary'
    document.title = `${title} · Apiary explorer`
    const heading = document.querySelector<HTMLElement>('main h1')
    heading?.setAttribute('tabindex', '-1')
    if (moved.current) heading?.focus()
    moved.current = false
  }, [hash])
  return html`<a class="skip" href="#main" onClick=${(event: Event) => {
    event.preventDefault()
    document.getElementById('main')?.focus()
  }}>Skip to content</a>
    <header>
      <a class="brand" href="#/">Apiary</a>
      <nav aria-label="Pages">
        <ul>
          ${NAV.map(([href, label]) => html`<li><a href=${href} aria-current=${section(hash) === href ? 'page' : undefined}>${label}</a></li>`)}
        </ul>
      </nav>
    </header>
    <main id="main" tabindex="-1"><${PageBoundary} page=${hash}>${route(hash)}<//></main>
    <footer><a href="/openapi.json">API</a> · every figure here is read from this coordinator's JSON API; verification runs in your browser.</footer>`
}

const root = document.getElementById('app')
if (root !== null) {
  root.textContent = ''
  render(html`<${App} />`, root)
}
