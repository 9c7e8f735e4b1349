import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, extname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import type { FastifyInstance } from 'fastify'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
}

/**
 * The explorer's policy: its own scripts and styles only, no inline script, no third party; `connect-src`
 * also allows any http(s) URL, for the RPC endpoint a visitor types to check an anchor (docs/explorer.md).
 */
export const EXPLORER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self' http: https:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

/** `dist/explorer` of this package: the same path from `src/coordinator/http` and `dist/coordinator/http`. */
export function defaultExplorerDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../../dist/explorer')
}

interface Asset {
  type: string
  body: Buffer
  gzip: Buffer
}

/** Every file of the built explorer and its gzip, read once at start (about 1.3 MB in all). */
function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>()
  if (!existsSync(dir)) return assets
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const path = join(entry.parentPath, entry.name)
    const type = TYPES[extname(path)]
    if (type === undefined) continue
    const body = readFileSync(path)
    // The build writes each file's gzip beside it (scripts/build-explorer.mjs); one without is gzipped here.
    const gzip = existsSync(`${path}.gz`) ? readFileSync(`${path}.gz`) : gzipSync(body, { level: 9 })
    assets.set(`/${relative(dir, path).split('\\').join('/')}`, { type, body, gzip })
  }
  return assets
}

/**
 * The explorer (docs/explorer.md) at `/`: `index.html` (not cached: it names the current assets) and
 * `/assets/*` (content-hashed names, cached for a year). Served from memory; without a build (`npm run
 * build:explorer`), `/` answers 404 EXPLORER_NOT_BUILT.
 */
export function registerExplorerRoutes(app: FastifyInstance, dir: string = defaultExplorerDir()): void {
  const assets = loadAssets(dir)
  const send = (path: string, immutable: boolean) =>
    async function handler(
      request: { headers: Record<string, string | string[] | undefined> },
      reply: import('fastify').FastifyReply,
    ) {
      const asset = assets.get(path)
      if (asset === undefined)
        return path === '/index.html'
          ? reply.code(404).send({
              code: 'EXPLORER_NOT_BUILT',
              message: 'the explorer is not built: run `npm run build:explorer` (npm install does)',
            })
          : reply.code(404).send({ code: 'NOT_FOUND', message: `no asset ${path.slice(0, 200)}` })
      const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))
      reply
        .header('content-type', asset.type)
        .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
        .header('vary', 'accept-encoding')
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
      if (asset.type.startsWith('text/html'))
        reply.header('content-security-policy', EXPLORER_CSP).header('x-frame-options', 'DENY')
      if (gzip) reply.header('content-encoding', 'gzip')
      return reply.send(gzip ? asset.gzip : asset.body)
    }
  const hide = { schema: { hide: true } }
  app.get('/', hide, send('/index.html', false))
  app.get('/index.html', hide, send('/index.html', false))
  app.get<{ Params: { name: string } }>('/assets/:name', hide, (request, reply) =>
    send(`/assets/${request.params.name}`, true)(request, reply),
  )
}
