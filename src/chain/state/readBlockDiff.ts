import {
  BEACON_ROOTS_ADDRESS,
  beaconRootWrites,
  HISTORY_STORAGE_ADDRESS,
  historyWrites,
} from '../../validation/index.ts'
import type { RpcRequest } from '../createRpcClient.ts'
import { headerRlp, type RpcHeader } from './headerRlp.ts'

/** An account after a block: every field, and the slots the block touched (0: cleared). */
export interface AccountAfter {
  nonce: bigint
  balance: bigint
  code: Uint8Array
  /** 0x + 64 hex slot → value. */
  storage: Map<string, bigint>
  /** The block changed the code (a contract created or destroyed); StreamStateDiffs sends code only then. */
  codeChanged?: boolean
}

export interface BlockDiff {
  number: bigint
  /** The block header's RLP (keccak256 of it is the block hash). */
  header: Uint8Array
  hash: string
  parentHash: string
  stateRoot: string
  /** Every account the block touched (lower-case 0x address), as it is after the block. */
  accounts: Map<string, AccountAfter>
}

const slotHex = (slot: bigint | string) => `0x${BigInt(slot).toString(16).padStart(64, '0')}`

/** A block as `eth_getBlockByNumber` gives it (transactions as hashes or objects). */
export type DiffBlock = RpcHeader & {
  transactions: (string | { hash: string })[]
  miner: string
  timestamp: string
  parentHash: string
  parentBeaconBlockRoot?: string
  withdrawals?: { address: string }[]
}

/** A transaction's prestate as go-ethereum's prestateTracer gives it. */
export type Prestate = Record<string, { code?: string; storage?: Record<string, string> }>

/**
 * A block's state diff, read from a node: the accounts and slots it touched — each transaction's prestate
 * (go-ethereum's prestateTracer: every account and slot it read or wrote), the fee recipient, withdrawals,
 * and the system contracts' slots (EIP-4788, EIP-2935) — with their values after the block, read at that
 * block. Applied to the state before the block, it gives the state after it; the state root says whether
 * anything was missed.
 */
export async function readBlockDiff(rpc: RpcRequest, number: bigint): Promise<BlockDiff> {
  const block = (await rpc('eth_getBlockByNumber', [`0x${number.toString(16)}`, false])) as DiffBlock
  const traces = await Promise.all(
    block.transactions.map(
      (tx) =>
        rpc('debug_traceTransaction', [
          typeof tx === 'string' ? tx : tx.hash,
          { tracer: 'prestateTracer' },
        ]) as Promise<Prestate>,
    ),
  )
  return blockDiffFromTraces(rpc, block, traces)
}

/** readBlockDiff over a block and its transactions' prestates already at hand (the follower has them). */
export async function blockDiffFromTraces(
  rpc: RpcRequest,
  block: DiffBlock,
  traces: readonly Prestate[],
): Promise<BlockDiff> {
  const number = BigInt(block.number)
  const tag = `0x${number.toString(16)}`
  const touched = new Map<string, Set<string>>()
  /** The code before the block of each account a transaction touched (its first prestate). */
  const codeBefore = new Map<string, string>()
  const touch = (address: string, slots: Iterable<string> = []) => {
    const set = touched.get(address.toLowerCase()) ?? new Set<string>()
    for (const slot of slots) set.add(slotHex(slot))
    touched.set(address.toLowerCase(), set)
  }
  touch(block.miner)
  for (const w of block.withdrawals ?? []) touch(w.address)
  if (block.parentBeaconBlockRoot !== undefined)
    touch(
      BEACON_ROOTS_ADDRESS,
      beaconRootWrites(BigInt(block.timestamp), BigInt(block.parentBeaconBlockRoot)).map(([slot]) =>
        slotHex(slot),
      ),
    )
  if (block.requestsHash !== undefined)
    touch(
      HISTORY_STORAGE_ADDRESS,
      historyWrites(number, BigInt(block.parentHash)).map(([slot]) => slotHex(slot)),
    )
  for (const prestate of traces)
    for (const [address, account] of Object.entries(prestate)) {
      touch(address, Object.keys(account.storage ?? {}))
      if (!codeBefore.has(address.toLowerCase())) codeBefore.set(address.toLowerCase(), account.code ?? '0x')
    }
  const accounts = new Map<string, AccountAfter>()
  await Promise.all(
    [...touched].map(async ([address, slots]) => {
      const [nonce, balance, code, values] = await Promise.all([
        rpc('eth_getTransactionCount', [address, tag]),
        rpc('eth_getBalance', [address, tag]),
        rpc('eth_getCode', [address, tag]),
        Promise.all([...slots].map((slot) => rpc('eth_getStorageAt', [address, slot, tag]))),
      ])
      const before = codeBefore.get(address)
      accounts.set(address, {
        nonce: BigInt(nonce as string),
        balance: BigInt(balance as string),
        code: Buffer.from(String(code).slice(2), 'hex'),
        storage: new Map([...slots].map((slot, i) => [slot, BigInt(values[i] as string)])),
        codeChanged: before !== undefined && before.toLowerCase() !== String(code).toLowerCase(),
      })
    }),
  )
  return {
    number,
    header: headerRlp(block),
    hash: block.hash,
    parentHash: block.parentHash,
    stateRoot: block.stateRoot,
    accounts,
  }
}
