import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

/**
 * A PostgreSQL server of this test process's own (Debian's `postgresql` package): `initdb` in a temporary
 * directory, `pg_ctl start` on a free loopback port, stopped and removed when the process exits. As root it
 * runs as the `postgres` user (PostgreSQL refuses root). `databaseUrl()` creates a fresh database each call.
 */
let server: Promise<{ port: number }> | undefined

function binDir(): string | undefined {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin')
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}

async function start(): Promise<{ port: number }> {
  const bin = binDir()
  if (bin === undefined)
    throw new Error("the store tests need PostgreSQL's server: apt-get install postgresql (.ci/run does)")
  const dir = mkdtempSync(join(tmpdir(), 'apiary-pg-'))
  chmodSync(dir, 0o777)
  const data = join(dir, 'data')
  const asRoot = process.getuid?.() === 0
  const run = (program: string, args: string[]) =>
    asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin, program), ...args], { stdio: 'pipe' })
      : execFileSync(join(bin, program), args, { stdio: 'pipe' })
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'apiary', '-E', 'UTF8', '--locale=C', '--no-sync'])
  const port = await freePort()
  run('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'server.log'),
    '-w',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200`,
    'start',
  ])
  process.once('exit', () => {
    try {
      run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop'])
    } catch {}
    rmSync(dir, { recursive: true, force: true })
  })
  return { port }
}

/** A new, empty database on this process's server: its URL. */
export async function databaseUrl(): Promise<string> {
  server ??= start()
  const { port } = await server
  const name = `apiary_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ host: '127.0.0.1', port, user: 'apiary', database: 'postgres' })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  return `postgres://apiary@127.0.0.1:${port}/${name}`
}

/** The store kinds every store test runs on (PostgreSQL's absence fails those tests, it never skips them). */
export const DIALECTS = ['sqlite', 'postgres'] as const

/** Where a test's store lives: a SQLite file (or `:memory:`) or a fresh PostgreSQL database. */
export async function storeLocation(
  dialect: 'sqlite' | 'postgres',
  path = ':memory:',
): Promise<{ path: string } | { url: string }> {
  return dialect === 'postgres' ? { url: await databaseUrl() } : { path }
}
