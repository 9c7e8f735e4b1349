import type { Common } from '@ethereumjs/common'
import { createVM, type VM } from '@ethereumjs/vm'
import { type CodeHashCache, createCodeHashCache } from './codeHashCache.ts'
import type { EngineCrypto } from './crypto.ts'
import { evmCommon } from './evmCommon.ts'
import type { Fork } from './forks.ts'
import type { AccountState } from './witness.ts'
import { createWitnessState, type StateFallback, type WitnessState } from './witnessState.ts'

/** A ready EVM for one chain id and fork, with the state manager it runs on. */
export interface PooledVm {
  vm: VM
  common: Common
  state: WitnessState
  /** Block number → hash for BLOCKHASH; replaced for every witness. */
  blockHashes: Map<bigint, Uint8Array>
}

/**
 * Building an @ethereumjs VM (its Common, opcode tables, precompiles) costs far more than running a
 * transfer, so L3 leases VMs from a pool keyed by chain id and fork. A VM serves one execution at a time;
 * concurrent executions get VMs of their own.
 */
export interface VmPool {
  acquire(
    chainId: bigint,
    fork: Fork,
    prestate: Map<string, AccountState>,
    blockHashes: Map<bigint, Uint8Array>,
    fallback?: StateFallback,
  ): Promise<PooledVm>
  release(pooled: PooledVm): void
}

export function createVmPool(crypto: EngineCrypto, { maxIdlePerKey = 4 } = {}): VmPool {
  const idle = new Map<string, PooledVm[]>()
  const codeHashes = createCodeHashCache(crypto.keccak256)
  const keyOf = (pooled: PooledVm) => `${pooled.common.chainId()}:${pooled.common.hardfork()}`
  return {
    async acquire(chainId, fork, prestate, blockHashes, fallback) {
      const key = `${chainId}:${evmCommonHardfork(fork)}`
      const pooled = idle.get(key)?.pop() ?? (await build(crypto, chainId, fork, codeHashes))
      pooled.state.load(prestate, fallback)
      pooled.blockHashes = blockHashes
      return pooled
    },
    release(pooled) {
      const list = idle.get(keyOf(pooled)) ?? []
      if (list.length < maxIdlePerKey) list.push(pooled)
      idle.set(keyOf(pooled), list)
    },
  }
}

function evmCommonHardfork(fork: Fork): string {
  return fork === 'frontier' ? 'chainstart' : fork
}

async function build(
  crypto: EngineCrypto,
  chainId: bigint,
  fork: Fork,
  codeHashes: CodeHashCache,
): Promise<PooledVm> {
  const common = evmCommon(crypto, chainId, fork)
  // Every block header and transaction built on this Common copies it and merges its parameter set into
  // it, which rebuilds the parameter tables (≈15% of a transfer's L3 time). Nothing here changes a Common
  // after creation, so share it, and merge each parameter set (a module constant) once.
  common.copy = () => common
  const merged = new WeakSet<object>()
  const updateParams = common.updateParams.bind(common)
  common.updateParams = (params) => {
    if (merged.has(params)) return common
    merged.add(params)
    return updateParams(params)
  }
  const state = createWitnessState(common, codeHashes)
  const pooled = { common, state, blockHashes: new Map<bigint, Uint8Array>() } as PooledVm
  const zero = new Uint8Array(32)
  const blockchain = {
    async getBlock(number: number) {
      const hash = pooled.blockHashes.get(BigInt(number)) ?? zero
      return { hash: () => hash }
    },
    async putBlock() {},
    shallowCopy() {
      return blockchain
    },
  }
  pooled.vm = await createVM({ common, stateManager: state, blockchain: blockchain as never })
  return pooled
}
