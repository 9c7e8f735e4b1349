// Bundles the explorer (src/explorer/) into dist/explorer/: index.html and content-hashed assets.
// Runs in `npm install` (the prepare step) under whatever Node runs npm, so it is plain JavaScript.
// `--sizes` also prints each file's size, raw and gzipped.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, 'dist/explorer')
rmSync(out, { recursive: true, force: true })
mkdirSync(join(out, 'assets'), { recursive: true })

const result = await build({
  absWorkingDir: root,
  entryPoints: ['src/explorer/main.ts'],
  outdir: 'dist/explorer/assets',
  entryNames: '[name]-[hash]',
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
  // src/epoch/ is the CLI's own verifier: node:crypto's hash() and the Buffer global get browser stand-ins.
  alias: { 'node:crypto': './src/explorer/shims/nodeCrypto.ts' },
  inject: ['./src/explorer/shims/buffer.ts'],
  define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
})

const outputs = Object.entries(result.metafile.outputs)
const entry = outputs.find(([, o]) => o.entryPoint === 'src/explorer/main.ts')
if (entry === undefined) throw new Error('esbuild produced no entry for src/explorer/main.ts')
const script = basename(entry[0])
const css = entry[1].cssBundle === undefined ? undefined : basename(entry[1].cssBundle)
const html = readFileSync(join(root, 'src/explorer/index.html'), 'utf8')
  .replace('%SCRIPT%', `/assets/${script}`)
  .replace('%STYLE%', css === undefined ? '' : `<link rel="stylesheet" href="/assets/${css}">`)
writeFileSync(join(out, 'index.html'), html)
// Each file gzipped once here, so that a coordinator only reads them at start (explorerRoutes.ts).
for (const file of ['index.html', ...outputs.map(([path]) => `assets/${basename(path)}`)])
  writeFileSync(join(out, `${file}.gz`), gzipSync(readFileSync(join(out, file)), { level: 9 }))

if (process.argv.includes('--sizes')) {
  for (const [path, o] of outputs) {
    const gz = gzipSync(readFileSync(join(root, path))).length
    console.log(
      `${basename(path).padEnd(40)} ${String(o.bytes).padStart(9)} B  ${String(gz).padStart(8)} B gzipped`,
    )
  }
}
console.log(`explorer built in dist/explorer (${script})`)
