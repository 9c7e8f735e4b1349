import type { RpcRequest } from '../createRpcClient.ts'

const EMPTY_ROOT = '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421'

type PrestateRecord = Record<string, { nonce?: unknown; code?: unknown; storage?: Record<string, unknown> }>

/**
 * Adds `storageRoot` (from `eth_getProof` at `blockTag`, the parent block) to the prestate accounts a CREATE
 * could collide with — nonce 0, no code, no slot listed — when their storage is not empty. prestateTracer
 * lists only the slots a transaction read, and a colliding CREATE reads none, so without the root an agent
 * could not know that EIP-7610 makes it fail. Returns false (and adds nothing) when the node has no
 * eth_getProof.
 */
export async function addStorageRoots(
  rpc: RpcRequest,
  prestates: readonly unknown[],
  blockTag: string,
): Promise<boolean> {
  const candidates = new Map<string, PrestateRecord[string][]>()
  for (const prestate of prestates)
    for (const [address, account] of Object.entries((prestate ?? {}) as PrestateRecord)) {
      const nonce = account.nonce === undefined ? 0n : BigInt(account.nonce as string | number)
      const code = typeof account.code === 'string' ? account.code : '0x'
      if (nonce !== 0n || (code !== '0x' && code !== '')) continue
      if (Object.keys(account.storage ?? {}).length > 0) continue
      candidates.set(address, [...(candidates.get(address) ?? []), account])
    }
  for (const [address, accounts] of candidates) {
    let proof: { storageHash?: string }
    try {
      proof = (await rpc('eth_getProof', [address, [], blockTag])) as { storageHash?: string }
    } catch (error) {
      if ((error as { code?: string }).code === 'APIARY_RPC_ERROR') return false
      throw error
    }
    const root = proof.storageHash?.toLowerCase()
    if (root !== undefined && root !== EMPTY_ROOT)
      for (const account of accounts) Object.assign(account, { storageRoot: root })
  }
  return true
}
