import { ApiaryError } from '../../internal/errors.ts'
import { parseWitness, type SimulationInput, type Witness } from '../../validation/index.ts'
import type { RpcRequest } from '../createRpcClient.ts'
import { addStorageRoots, blockContextOf, type RpcBlock } from '../witness/index.ts'

type Prestate = Record<string, Record<string, unknown>>

/**
 * The witness of an `evm.simulate` job (docs/spec/jobs.md): the block context of `input.block` and the
 * prestate each transaction reads there, from the node's `debug_traceCall` with go-ethereum's
 * `prestateTracer` (one trace per transaction, each on the block's state; an account is taken from the first
 * trace that lists it), plus the coinbase. A later transaction of a bundle that reads what an earlier one
 * changed may read more than its trace on the unchanged state showed: the engine reports such accounts
 * (`unwitnessed`) and the job fails rather than answer from a partial state.
 */
export async function simulationWitness(
  rpc: RpcRequest,
  { input, chainId, fork }: { input: SimulationInput; chainId: bigint; fork: string },
): Promise<Witness> {
  const tag = typeof input.block === 'number' ? `0x${input.block.toString(16)}` : input.block
  const block = (await rpc('eth_getBlockByNumber', [tag, false])) as RpcBlock | null
  if (block === null)
    throw new ApiaryError('APIARY_BLOCK_UNKNOWN', `the chain has no block ${String(input.block)}`)
  const at = tag === 'pending' ? 'pending' : block.number
  const traces = (await Promise.all(
    input.transactions.map((tx) => rpc('debug_traceCall', [tx, at, { tracer: 'prestateTracer' }])),
  )) as Prestate[]
  const prestate: Prestate = {}
  for (const trace of traces)
    for (const [address, account] of Object.entries(trace)) prestate[address.toLowerCase()] ??= account
  const coinbase = block.miner.toLowerCase()
  if (prestate[coinbase] === undefined) {
    const [balance, nonce, code] = (await Promise.all([
      rpc('eth_getBalance', [coinbase, at]),
      rpc('eth_getTransactionCount', [coinbase, at]),
      rpc('eth_getCode', [coinbase, at]),
    ])) as string[]
    prestate[coinbase] = { balance, nonce: Number(nonce), code }
  }
  await addStorageRoots(rpc, [prestate], at)
  return parseWitness({
    version: 1,
    chainId: chainId.toString(),
    fork,
    transaction: '0x',
    block: blockContextOf(block),
    blockHashes: { [(BigInt(block.number) - 1n).toString()]: block.parentHash },
    prestate,
  })
}
