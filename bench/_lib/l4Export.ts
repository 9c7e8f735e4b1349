/**
 * The export phase of the L4 benchmark in a process of its own (its peak memory is its own):
 * `node bench/_lib/l4Export.ts RPC_URL FILE DEV_ACCOUNTS`. Prints `{ms, maxRssMiB, accounts, codes, slots}`.
 */
import { createRpcClient, devnetGenesis, exportSnapshot } from '../../src/chain/index.ts'

const [url, file, accounts] = process.argv.slice(2)
const rpc = createRpcClient(url as string, { timeoutMs: 120_000 })
const started = performance.now()
const to = BigInt((await rpc('eth_blockNumber', [])) as string)
const counts = await exportSnapshot(rpc, {
  genesis: await devnetGenesis(rpc, Number(accounts)),
  to,
  path: file as string,
})
process.stdout.write(
  `${JSON.stringify({ ms: performance.now() - started, maxRssMiB: process.resourceUsage().maxRSS / 1024, block: Number(to), ...counts })}\n`,
)
