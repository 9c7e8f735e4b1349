import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)

interface Solc {
  version(): string
  compile(
    input: string,
    callbacks?: { import: (path: string) => { contents: string } | { error: string } },
  ): string
}

export interface CompiledContract {
  abi: unknown[]
  bytecode: `0x${string}`
}

/**
 * Compiles Solidity with solc-js (standard JSON), resolving imports from node_modules. `solcPackage` picks
 * the compiler: `solc` (0.8.x) or the `solc-0.5.16` alias that Uniswap V2's `=0.5.16` pragma needs.
 */
export function compile(
  solcPackage: 'solc' | 'solc-0.5.16',
  sources: Record<string, string>,
  options: { evmVersion?: string; runs?: number; viaIR?: boolean } = {},
): Record<string, CompiledContract> {
  const solc = require(solcPackage) as Solc
  const input = {
    language: 'Solidity',
    sources: Object.fromEntries(Object.entries(sources).map(([name, content]) => [name, { content }])),
    settings: {
      optimizer: { enabled: true, runs: options.runs ?? 200 },
      ...(options.viaIR === true ? { viaIR: true } : {}),
      ...(options.evmVersion === undefined ? {} : { evmVersion: options.evmVersion }),
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  }
  const findImport = (path: string) => {
    try {
      return { contents: readFileSync(resolveImport(path), 'utf8') }
    } catch {
      return { error: `not found: ${path}` }
    }
  }
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport })) as {
    errors?: Array<{ severity: string; formattedMessage: string }>
    contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>
  }
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error')
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'))
  const out: Record<string, CompiledContract> = {}
  for (const file of Object.values(output.contracts)) {
    for (const [name, contract] of Object.entries(file)) {
      out[name] = { abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}` }
    }
  }
  return out
}

/** Reads a source shipped by an npm package (`@openzeppelin/contracts/token/ERC20/ERC20.sol`). */
export function packageSource(path: string): string {
  return readFileSync(resolveImport(path), 'utf8')
}

function resolveImport(path: string): string {
  const [scope, name, ...rest] = path.split('/')
  const packageName = scope?.startsWith('@') ? `${scope}/${name}` : (scope as string)
  const file = scope?.startsWith('@') ? rest.join('/') : [name, ...rest].join('/')
  return join(dirname(require.resolve(`${packageName}/package.json`)), file)
}
