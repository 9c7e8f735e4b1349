import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { test } from 'node:test'

/**
 * ARCHITECTURE's dependency rules, checked on every import of src/ (ponder's layering.test.ts is the model):
 * a rule broken anywhere fails here with the file and the import that break it.
 */
const SRC = resolve(import.meta.dirname, '../src')

type Import = { from: string; to: string; raw: string }

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'gen' ? [] : sources(path)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : []
  })
}

/** Every `import … from '…'`, `export … from '…'` and `import('…')` of a file (relative ones resolved). */
function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8')
  const found: Import[] = []
  for (const match of text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm)) {
    const raw = match[1] as string
    const to = raw.startsWith('.') ? relative(SRC, resolve(dirname(file), raw)) : raw
    found.push({ from: relative(SRC, file), to, raw })
  }
  return found
}

const files = sources(SRC)
const imports = files.flatMap(importsOf)
const local = imports.filter((i) => i.raw.startsWith('.'))
/** `coordinator/dispatch/x.ts` → `coordinator/dispatch`; `cli/apiary.ts` → `cli`. */
const folderOf = (path: string) => dirname(path)
const top = (path: string) => path.split('/')[0] as string
const broken = (list: Import[]) => list.map((i) => `${i.from} imports ${i.raw}`)

test('validation/ and epoch/ are pure: they import nothing of src/ but internal/errors', () => {
  const impure = local.filter(
    (i) =>
      ['validation', 'epoch'].includes(top(i.from)) &&
      top(i.to) !== top(i.from) &&
      i.to !== 'internal/errors.ts' &&
      !i.to.startsWith('gen/'),
  )
  assert.deepEqual(broken(impure), [])
})

test('api/ (the HTTP contract) is schemas only: it imports nothing of src/ but the pure epoch/ (sealed formats) and validation/ (job inputs)', () => {
  const outside = local.filter(
    (i) =>
      top(i.from) === 'api' &&
      top(i.to) !== 'api' &&
      i.to !== 'epoch/index.ts' &&
      i.to !== 'validation/index.ts',
  )
  assert.deepEqual(broken(outside), [])
  assert.ok(local.some((i) => top(i.from) === 'api'))
})

test('coordinator/ and agent/ never import each other', () => {
  const crossing = local.filter(
    (i) =>
      (top(i.from) === 'coordinator' && top(i.to) === 'agent') ||
      (top(i.from) === 'agent' && top(i.to) === 'coordinator'),
  )
  assert.deepEqual(broken(crossing), [])
})

test('a folder is used from another folder only through its index.ts (internal/ and gen/ are modules of their own)', () => {
  const around = local.filter((i) => {
    if (folderOf(i.from) === folderOf(i.to)) return false
    // The CLI is the wiring: its entry registers its commands.
    if (top(i.from) === 'cli' && top(i.to) === 'cli') return false
    if (top(i.to) === 'internal' || top(i.to) === 'gen') return false
    // A parent folder's files may use its own subfolders' index only; a subfolder may use its parent's files.
    if (folderOf(i.from).startsWith(`${folderOf(i.to)}/`)) return false
    return !i.to.endsWith('/index.ts')
  })
  assert.deepEqual(broken(around), [])
})

test('only the stores touch a database: kysely, better-sqlite3 and pg are imported by coordinator/store/ (and the agent inbox and the L4 state store)', () => {
  const drivers = ['kysely', 'better-sqlite3', 'pg']
  const outside = imports.filter(
    (i) =>
      drivers.some((d) => i.raw === d || i.raw.startsWith(`${d}/`)) &&
      !i.from.startsWith('coordinator/store/') &&
      i.from !== 'agent/messenger/openInbox.ts' &&
      i.from !== 'agent/state/openStateStore.ts',
  )
  assert.deepEqual(broken(outside), [])
  const raw = files
    .filter((f) => !relative(SRC, f).startsWith('coordinator/store/'))
    .filter((f) => /\bstore\.db\b/.test(readFileSync(f, 'utf8')))
  assert.deepEqual(
    raw.map((f) => relative(SRC, f)),
    [],
    'store.db (the query builder) is for the store and tests',
  )
})

test('src/ has no import cycle', () => {
  const graph = new Map<string, string[]>()
  for (const i of local) graph.set(i.from, [...(graph.get(i.from) ?? []), i.to])
  const cycles: string[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (node: string, path: string[]) => {
    if (state.get(node) === 'done') return
    if (state.get(node) === 'visiting') {
      cycles.push([...path.slice(path.indexOf(node)), node].join(' → '))
      return
    }
    state.set(node, 'visiting')
    for (const next of graph.get(node) ?? []) visit(next, [...path, node])
    state.set(node, 'done')
  }
  for (const node of graph.keys()) visit(node, [])
  assert.deepEqual(cycles, [])
})

test('the rules above see the imports: the scan finds the files and their imports', () => {
  assert.ok(files.length > 150, `${files.length} files`)
  assert.ok(local.some((i) => i.from === 'cli/apiary.ts'))
  assert.ok(imports.some((i) => i.from.startsWith('coordinator/store/') && i.raw === 'kysely'))
})
