import { type SnapshotCounts, writeSnapshot } from '../../state/index.ts'
import type { RpcRequest } from '../createRpcClient.ts'
import { buildState, type State, snapshotAccounts } from './buildState.ts'
import { headerRlp, type RpcHeader } from './headerRlp.ts'

/**
 * Writes the chain's state at block `to` to a snapshot (docs/spec/snapshot.md): the genesis (checked
 * against block 0's root), then every block's diff read from the node; the snapshot's contents must then
 * give the header's state root (verifySnapshot checks it).
 */
export async function exportSnapshot(
  rpc: RpcRequest,
  { genesis, to, path }: { genesis: State; to: bigint; path: string },
): Promise<SnapshotCounts> {
  const { state, last } = await buildState(rpc, genesis, to)
  const header = last?.header ?? headerRlp((await rpc('eth_getBlockByNumber', ['0x0', false])) as RpcHeader)
  const chainId = BigInt((await rpc('eth_chainId', [])) as string)
  return writeSnapshot({ path, chainId, header, accounts: snapshotAccounts(state) })
}
