import { keccak_256 } from '@noble/hashes/sha3.js'
import { mnemonicToAccount } from 'viem/accounts'
import { ApiaryError } from '../../internal/errors.ts'
import { type SnapshotSourceAccount, stateRootOf } from '../../state/index.ts'
import { BEACON_ROOTS_ADDRESS, HISTORY_STORAGE_ADDRESS } from '../../validation/index.ts'
import type { RpcRequest } from '../createRpcClient.ts'
import { DEVNET_MNEMONIC } from '../startDevnet.ts'
import { type AccountAfter, type BlockDiff, readBlockDiff } from './readBlockDiff.ts'

/** A whole state: lower-case 0x address → account (all its non-zero slots). */
export type State = Map<string, AccountAfter>

/** Applies a block's diff: touched accounts take their new fields and slots; an emptied account is removed. */
export function applyBlockDiff(state: State, diff: Pick<BlockDiff, 'accounts'>): void {
  for (const [address, after] of diff.accounts) {
    const storage = new Map(state.get(address)?.storage ?? [])
    for (const [slot, value] of after.storage)
      if (value === 0n) storage.delete(slot)
      else storage.set(slot, value)
    // EIP-161: an account with no nonce, balance or code (and so no storage) does not exist.
    if (after.nonce === 0n && after.balance === 0n && after.code.length === 0 && storage.size === 0)
      state.delete(address)
    else state.set(address, { ...after, storage })
  }
}

/** A state's accounts in snapshot order (increasing keccak256(address)). */
export function snapshotAccounts(state: State): SnapshotSourceAccount[] {
  return [...state]
    .map(([address, a]) => ({
      key: Buffer.from(keccak_256(Buffer.from(address.slice(2), 'hex'))),
      account: {
        address: Buffer.from(address.slice(2), 'hex'),
        nonce: a.nonce,
        balance: a.balance,
        code: a.code,
        storage: [...a.storage].map(([slot, value]): [Uint8Array, bigint] => [
          Buffer.from(slot.slice(2), 'hex'),
          value,
        ]),
      },
    }))
    .sort((a, b) => Buffer.compare(a.key, b.key))
    .map((x) => x.account)
}

/**
 * The genesis state of the embedded devnet (`apiary devnet`, `apiary up`): `accounts` accounts of the dev
 * mnemonic with 10,000 ETH each, and the system contracts the node deployed at genesis (read at block 0).
 */
export async function devnetGenesis(rpc: RpcRequest, accounts: number): Promise<State> {
  const state: State = new Map()
  for (let i = 0; i < accounts; i++)
    state.set(mnemonicToAccount(DEVNET_MNEMONIC, { addressIndex: i }).address.toLowerCase(), {
      nonce: 0n,
      balance: 10n ** 22n,
      code: new Uint8Array(),
      storage: new Map(),
    })
  for (const address of [BEACON_ROOTS_ADDRESS, HISTORY_STORAGE_ADDRESS]) {
    const code = Buffer.from(String(await rpc('eth_getCode', [address, '0x0'])).slice(2), 'hex')
    if (code.length > 0) state.set(address, { nonce: 0n, balance: 0n, code, storage: new Map() })
  }
  return state
}

/** A geth genesis file's `alloc`: address → {balance, nonce, code, storage}. */
export function genesisFromAlloc(alloc: Record<string, Record<string, unknown>>): State {
  const state: State = new Map()
  for (const [raw, a] of Object.entries(alloc)) {
    const address = (raw.startsWith('0x') ? raw : `0x${raw}`).toLowerCase()
    state.set(address, {
      nonce: BigInt(String(a.nonce ?? 0)),
      balance: BigInt(String(a.balance ?? 0)),
      code: Buffer.from(String(a.code ?? '0x').replace(/^0x/, ''), 'hex'),
      storage: new Map(
        Object.entries((a.storage ?? {}) as Record<string, string>).map(([slot, value]) => [
          `0x${BigInt(slot).toString(16).padStart(64, '0')}`,
          BigInt(value),
        ]),
      ),
    })
  }
  return state
}

/**
 * The state at block `to`: the genesis, checked against block 0's state root, then every block's diff read
 * from the node. The final root is not checked here (the snapshot's verification does it).
 */
export async function buildState(
  rpc: RpcRequest,
  genesis: State,
  to: bigint,
  /** Called after each block is applied, with the state after it. */
  onBlock?: (diff: BlockDiff, state: State) => void,
): Promise<{ state: State; last: BlockDiff | undefined }> {
  const block0 = (await rpc('eth_getBlockByNumber', ['0x0', false])) as { stateRoot: string }
  const root = `0x${Buffer.from(stateRootOf(snapshotAccounts(genesis))).toString('hex')}`
  if (root !== block0.stateRoot.toLowerCase())
    throw new ApiaryError(
      'APIARY_SNAPSHOT_GENESIS_MISMATCH',
      `the genesis gives the state root ${root}; the node's block 0 says ${block0.stateRoot}`,
      {
        usage: true,
        hints: ['give the chain’s genesis file (--genesis) or, for the embedded devnet, its account count'],
      },
    )
  const state: State = new Map(genesis)
  let last: BlockDiff | undefined
  for (let n = 1n; n <= to; n++) {
    last = await readBlockDiff(rpc, n)
    applyBlockDiff(state, last)
    onBlock?.(last, state)
  }
  return { state, last }
}
