import { ApiaryError } from '../../internal/errors.ts'
import {
  type AccountState,
  BEACON_ROOTS_ADDRESS,
  beaconRootWrites,
  bigIntToHex,
  type EngineCrypto,
  type ExecutionVerdict,
  executeTransaction,
  forkAtLeast,
  fromHex,
  HISTORY_STORAGE_ADDRESS,
  historyWrites,
  parseWitness,
  toHex,
  type VmPool,
} from '../../validation/index.ts'
import type { RpcRequest } from '../createRpcClient.ts'
import { buildWitness, type RpcBlock } from './traceWitness.ts'

export interface ReexecuteBlockContext {
  rpc: RpcRequest
  crypto: EngineCrypto
  vms: VmPool
}

export interface ReexecuteBlockParameters {
  /** The block with its transactions as objects (`eth_getBlockByNumber(n, true)`). */
  block: RpcBlock & { transactions: Record<string, unknown>[] }
  chainId: bigint
  fork: string
}

/** One account of a prestate in go-ethereum's prestateTracer shape. */
export type PrestateAccount = {
  balance: string
  nonce: number
  code?: string
  storage?: Record<string, string>
}

/** What is known of one account at the current point of the block. */
type Known = {
  account: AccountState | undefined
  /** Slots whose value is known (absent from `account.storage`: zero). */
  slots: Set<string>
  /** Every slot is known: the account did not exist at the parent block or was deleted since. */
  complete: boolean
}

/** A transaction that keeps reading new state after this many rounds is given up (it never happened yet). */
const MAX_ROUNDS = 64

/** One transaction run by a block executor: its prestate and the engine's verdict over it. */
export interface ExecutedTransaction {
  prestate: Record<string, PrestateAccount>
  verdict: ExecutionVerdict & { valid: true }
}

export interface BlockExecutor {
  /** Runs the block's next transaction over the state the previous ones left (throws when it is invalid). */
  next(tx: Record<string, unknown>): Promise<ExecutedTransaction>
  /**
   * Runs a transaction over the state the executed ones left without keeping its effects (what a canary
   * would do at this point of the block); `accounts` are put in place first (e.g. a sender that does not
   * exist on chain). Throws when it is invalid.
   */
  peek(tx: Record<string, unknown>, accounts?: Record<string, PrestateAccount>): Promise<ExecutedTransaction>
}

/**
 * The prestate of every transaction of a block, for nodes without `debug_*` tracing: the block is
 * re-executed transaction by transaction over the parent block's state, read through plain JSON-RPC
 * (`eth_getBalance`, `eth_getTransactionCount`, `eth_getCode`, `eth_getStorageAt` at the parent block's
 * hash). A transaction runs, the accounts and slots it read that are not known yet are fetched, and it runs
 * again until it reads nothing new; what it read becomes its prestate and its post-state carries over to
 * the next transaction. The EIP-4788 and EIP-2935 system writes at the start of the block are applied first.
 */
export async function reexecuteBlock(
  ctx: ReexecuteBlockContext,
  { block, chainId, fork }: ReexecuteBlockParameters,
): Promise<Record<string, PrestateAccount>[]> {
  const executor = await createBlockExecutor(ctx, { block, chainId, fork })
  const prestates: Record<string, PrestateAccount>[] = []
  for (const tx of block.transactions) prestates.push((await executor.next(tx)).prestate)
  return prestates
}

/**
 * The incremental form of reexecuteBlock: transactions are given one at a time, so a block still being
 * built (the node's pending block) is executed as it grows. `block.number` must be set (for a pending
 * block: its parent's number + 1).
 */
export async function createBlockExecutor(
  { rpc, crypto, vms }: ReexecuteBlockContext,
  { block, chainId, fork }: Omit<ReexecuteBlockParameters, 'block'> & { block: RpcBlock },
): Promise<BlockExecutor> {
  const at = { blockHash: block.parentHash }
  const known = new Map<string, Known>()

  const fetchAccount = async (address: string): Promise<void> => {
    const [balance, nonce, code] = (await Promise.all([
      rpc('eth_getBalance', [address, at]),
      rpc('eth_getTransactionCount', [address, at]),
      rpc('eth_getCode', [address, at]),
    ])) as [string, string, string]
    const account: AccountState = {
      balance: BigInt(balance),
      nonce: BigInt(nonce),
      code: fromHex(code) ?? new Uint8Array(0),
      storage: new Map(),
    }
    const exists = account.balance !== 0n || account.nonce !== 0n || account.code.length > 0
    known.set(address, { account: exists ? account : undefined, slots: new Set(), complete: !exists })
  }
  const fetchSlot = async (address: string, slot: string): Promise<void> => {
    const value = BigInt((await rpc('eth_getStorageAt', [address, slot, at])) as string)
    const entry = known.get(address) as Known
    entry.slots.add(slot)
    if (value !== 0n) entry.account?.storage.set(slot, value)
  }
  /** Fetches what `reads` names that is not known yet; false when everything was known. */
  const fill = async (reads: Map<string, Set<string>>): Promise<boolean> => {
    const accounts = [...reads.keys()].filter((a) => !known.has(a))
    await Promise.all(accounts.map(fetchAccount))
    const slots: Promise<void>[] = []
    for (const [address, keys] of reads) {
      const entry = known.get(address) as Known
      if (entry.complete) continue
      for (const slot of keys) if (!entry.slots.has(slot)) slots.push(fetchSlot(address, slot))
    }
    await Promise.all(slots)
    return accounts.length > 0 || slots.length > 0
  }
  const systemWrite = async (address: string, writes: [bigint, bigint][]) => {
    await fill(new Map([[address, new Set()]]))
    const entry = known.get(address) as Known
    if (entry.account === undefined || entry.account.code.length === 0) return // not deployed on this chain
    for (const [slot, value] of writes) {
      const key = slotHex(slot)
      entry.slots.add(key)
      if (value === 0n) entry.account.storage.delete(key)
      else entry.account.storage.set(key, value)
    }
  }

  if (forkAtLeast(fork as never, 'cancun') && block.parentBeaconBlockRoot !== undefined) {
    await systemWrite(
      BEACON_ROOTS_ADDRESS,
      beaconRootWrites(BigInt(block.timestamp), BigInt(block.parentBeaconBlockRoot)),
    )
  }
  if (forkAtLeast(fork as never, 'prague'))
    await systemWrite(HISTORY_STORAGE_ADDRESS, historyWrites(BigInt(block.number), BigInt(block.parentHash)))

  const run = async (tx: Record<string, unknown>) => {
    const base = parseWitness(buildWitness({ tx, block, prestate: {}, chainId, fork }))
    const first = new Map<string, Set<string>>([[String(tx.from).toLowerCase(), new Set()]])
    if (typeof tx.to === 'string') first.set(tx.to.toLowerCase(), new Set())
    first.set(block.miner.toLowerCase(), new Set())
    await fill(first)
    let verdict: Awaited<ReturnType<typeof executeTransaction>> | undefined
    for (let round = 0; ; round++) {
      if (round === MAX_ROUNDS)
        throw new ApiaryError(
          'APIARY_REEXECUTION_FAILED',
          `transaction ${String(tx.hash)} kept reading new state after ${MAX_ROUNDS} re-executions`,
        )
      const prestate = new Map<string, AccountState>()
      for (const [address, entry] of known)
        if (entry.account !== undefined) prestate.set(address, entry.account)
      verdict = await executeTransaction({ crypto, vms }, { witness: { ...base, prestate } })
      if (!verdict.valid)
        throw new ApiaryError(
          'APIARY_REEXECUTION_FAILED',
          `transaction ${String(tx.hash)} of block ${Number(BigInt(block.number))} is invalid over its parent state: ${verdict.reason.code}`,
          { details: { reason: verdict.reason } },
        )
      if (!(await fill(verdict.accessed))) break
    }
    if (verdict === undefined || !verdict.valid) throw new Error('unreachable')

    const prestate: Record<string, PrestateAccount> = {}
    for (const [address, slots] of verdict.accessed) {
      const account = known.get(address)?.account
      if (account === undefined) continue
      const storage: Record<string, string> = {}
      for (const slot of slots) {
        const value = account.storage.get(slot)
        if (value !== undefined) storage[slot] = slotHex(value)
      }
      prestate[address] = {
        balance: bigIntToHex(account.balance),
        nonce: Number(account.nonce),
        ...(account.code.length === 0 ? {} : { code: toHex(account.code) }),
        ...(Object.keys(storage).length === 0 ? {} : { storage }),
      }
    }
    return { prestate, verdict }
  }

  return {
    async next(tx) {
      const { prestate, verdict } = await run(tx)
      for (const [address, entry] of known) {
        const after = verdict.postState.get(address)
        if (after === undefined && entry.account !== undefined) {
          known.set(address, { account: undefined, slots: new Set(), complete: true })
        } else if (after !== undefined) {
          for (const slot of after.storage.keys()) entry.slots.add(slot)
          entry.account = after
        }
      }
      for (const [address, after] of verdict.postState) {
        if (!known.has(address)) known.set(address, { account: after, slots: new Set(), complete: true })
      }
      return { prestate, verdict }
    },

    async peek(tx, accounts = {}) {
      const replaced = new Map<string, Known | undefined>()
      for (const [address, account] of Object.entries(accounts)) {
        replaced.set(address, known.get(address))
        known.set(address, {
          account: {
            balance: BigInt(account.balance),
            nonce: BigInt(account.nonce),
            code: fromHex(account.code ?? '0x') ?? new Uint8Array(0),
            storage: new Map(Object.entries(account.storage ?? {}).map(([k, v]) => [k, BigInt(v)])),
          },
          slots: new Set(),
          complete: true,
        })
      }
      try {
        return await run(tx)
      } finally {
        for (const [address, entry] of replaced)
          if (entry === undefined) known.delete(address)
          else known.set(address, entry)
      }
    },
  }
}

function slotHex(value: bigint): string {
  return `0x${value.toString(16).padStart(64, '0')}`
}
