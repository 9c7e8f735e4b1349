/**
 * postinstall: make sure the native packages that need Node >= 22 are installed.
 *
 * `npm install` may run on an older system Node (the project pins Node 24 as a devDependency); npm then
 * skips optional dependencies whose `engines` exclude that Node, such as the platform binary of EDR,
 * Hardhat's EVM, which the devnet runs on. Lifecycle scripts run with node_modules/.bin first on PATH, so
 * `node` and a nested `npm` here are the pinned Node 24: re-running the install under it adds what was
 * skipped. Scripts are not run again (--ignore-scripts), so this cannot recurse.
 */
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

function edrLoads(): boolean {
  try {
    require('@nomicfoundation/edr')
    return true
  } catch {
    return false
  }
}

if (!edrLoads()) {
  process.stderr.write(
    `apiary: installing native packages skipped under the system Node (now on Node ${process.version})\n`,
  )
  const result = spawnSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund'], {
    stdio: 'inherit',
  })
  if (result.status !== 0 || !edrLoads()) {
    process.stderr.write(
      'apiary: the EDR native binary could not be installed; `apiary devnet` will not start\n',
    )
    process.exitCode = 1
  }
}
