import { html, render } from 'htm/preact'
import { useEffect, useState } from 'preact/hooks'
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
      return id === undefined || !Number.isSafeInteger(n)
        ? html`<${Challenges} />`
        : html`<${Challenge} id=${n} />`
    case 'messages':
      return html`<${Messages} address=${id} />`
    case 'jobs':
      return html`<${Jobs} />`
    default:
      return html`<h1>Not found</h1><p>No page <code>${hash}</code>. <a href="#/">Overview</a></p>`
  }
}

const section = (hash: string) => `#/${hash.replace(/^#\/?/, '').split('/')[0] ?? ''}`

function App() {
  const [hash, setHash] = useState(location.hash === '' ? '#/' : location.hash)
  useEffect(() => {
    const onHash = () => {
      setHash(location.hash === '' ? '#/' : location.hash)
      // A new page: focus its heading, so keyboard and screen-reader users start there.
      requestAnimationFrame(() => document.querySelector<HTMLElement>('main h1')?.focus())
    }
    addEventListener('hashchange', onHash)
    return () => removeEventListener('hashchange', onHash)
  }, [])
  useEffect(() => {
    const title = NAV.find(([h]) => h === section(hash))?.[1] ?? 'Apiary'
    document.title = `${title} · Apiary explorer`
    document.querySelector('main h1')?.setAttribute('tabindex', '-1')
  })
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
    <main id="main" tabindex="-1">${route(hash)}</main>
    <footer><a href="/openapi.json">API</a> · every figure here is read from this coordinator's JSON API; verification runs in your browser.</footer>`
}

const root = document.getElementById('app')
if (root !== null) {
  root.textContent = ''
  render(html`<${App} />`, root)
}
