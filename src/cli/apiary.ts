#!/usr/bin/env node
// The entry point checks the Node version before anything else is loaded: under an older Node the native
// SQLite module crashes the process with a bare "Segmentation fault" instead of an error.
const MINIMUM = [22, 12] as const
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number)
if (major < MINIMUM[0] || (major === MINIMUM[0] && minor < MINIMUM[1])) {
  process.stderr.write(
    `error: apiary needs Node.js ${MINIMUM.join('.')} or newer; this is ${process.version} [APIARY_NODE_UNSUPPORTED]\n` +
      'hint: install Node.js 22 or 24, or run it from the repository with `npm start` / `npm run apiary --`, which use the Node 24 that npm install fetched\n',
  )
  process.exit(1)
}
await import('./main.ts')
