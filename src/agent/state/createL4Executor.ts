import { create } from '@bufbuild/protobuf'
import { type L4Context, type Task, type TaskResult, TaskResultSchema } from '../../gen/apiary/v1/swarm_pb.js'
import { resultFromVerdict, witnessFromMessage } from '../../protocol/index.ts'
import {
  type AccountState,
  BEACON_ROOTS_ADDRESS,
  beaconRootWrites,
  bigIntToBytes,
  bytesToBigInt,
  type ExecuteTransactionContext,
  type ExecutionAccepted,
  type ExecutionVerdict,
  executeTransaction,
  forkAtLeast,
  fromHex,
  HISTORY_STORAGE_ADDRESS,
  historyWrites,
  slotKey,
  toHex,
  validateEnvelope,
  type Witness,
} from '../../validation/index.ts'
import type { StateStore } from './openStateStore.ts'

/** An account as a block's earlier transactions left it (null: it does not exist), slots changed or read. */
type Overlay = Map<string, { account: AccountState; slots: Map<string, bigint> } | null>

export interface L4Dependencies {
  ctx: ExecuteTransactionContext
  store: StateStore
  /** Resolves once the store holds block `number` (or rejects when `deadline`, unix ms, passes first). */
  waitFor(number: bigint, deadline: number): Promise<void>
}

export interface L4Executor {
  /** The task's answer; undefined when the agent cannot answer truthfully (see createL4Executor). */
  answer(task: Task): Promise<TaskResult | undefined>
}

/**
 * Answers L4 tasks from the agent's own state (docs/l4.md): the witness has no prestate, only the block
 * context and where the transaction runs — after block `l4.parent_number` (whose hash must be the one the
 * store holds: otherwise the agent is on another branch and does not answer) and after the block's earlier
 * transactions (`l4.preceding`, which it runs first, on an overlay of its state). The L3 engine runs it with
 * the store as its fallback (`StateFallback`): every account and slot the EVM asks for is read from the
 * store's trie at the parent block (through the overlay) when first asked for, and the answer is the
 * engine's on that true prestate. Undefined when the agent cannot answer truthfully (its state never
 * reached the block, or holds another branch): the task goes to another agent. Executions run one at a time; the block's overlay is kept, so the tasks of one block in
 * order run each earlier transaction once.
 */
export function createL4Executor(deps: L4Dependencies): L4Executor {
  let queue: Promise<unknown> = Promise.resolve()
  /** The last block worked on: its parent's hash, the earlier transactions applied to its overlay. */
  let block: { parent: string; applied: Uint8Array[]; overlay: Overlay; read: Reader } | undefined

  const run = async (task: Task, base: Witness, l4: L4Context, root: Uint8Array) => {
    const started = performance.now()
    const parent = toHex(l4.parentHash)
    const reusable =
      block !== undefined &&
      block.parent === parent &&
      block.applied.length <= l4.preceding.length &&
      block.applied.every((raw, i) => Buffer.from(raw).equals(Buffer.from(l4.preceding[i] as Uint8Array)))
    if (block === undefined || !reusable) {
      const overlay: Overlay = new Map()
      const read = createReader(deps.store, root, overlay)
      await applySystemWrites(overlay, read, base, l4.parentHash)
      block = { parent, applied: [], overlay, read }
    }
    const current = block
    for (const raw of l4.preceding.slice(current.applied.length)) {
      const verdict = await executeOwn(deps.ctx, { ...base, transaction: raw }, current.read)
      if (verdict.valid && verdict.level === 'L3') applyToOverlay(current.overlay, verdict)
      current.applied.push(raw)
    }
    const verdict = await executeOwn(deps.ctx, base, current.read)
    return resultFromVerdict(task.taskId, verdict, (performance.now() - started) * 1000)
  }

  return {
    async answer(task) {
      const l4 = task.witness?.l4
      let base: Witness
      try {
        if (task.witness === undefined || l4 === undefined) throw new Error('an L4 task needs its L4 context')
        base = witnessFromMessage(task.witness)
      } catch {
        return create(TaskResultSchema, { taskId: task.taskId, valid: false, rejectCode: 'WITNESS_INVALID' })
      }
      await deps.waitFor(l4.parentNumber, Number(task.deadlineUnixMs) - 500)
      const parent = deps.store.at(l4.parentNumber)
      if (parent === undefined || !Buffer.from(parent.hash).equals(Buffer.from(l4.parentHash)))
        return undefined
      const answered = queue.then(() => run(task, base, l4, parent.stateRoot))
      queue = answered.catch(() => {})
      return answered
    },
  }
}

type Reader = {
  account(address: string): Promise<AccountState | undefined>
  slot(address: string, slot: string): Promise<bigint>
}

/** Reads the state after the parent block, as the block's earlier transactions changed it. */
function createReader(store: StateStore, root: Uint8Array, overlay: Overlay): Reader {
  const stored = new Map<string, Promise<{ account: AccountState; storageRoot: Uint8Array } | undefined>>()
  const fromStore = (address: string) => {
    let found = stored.get(address)
    if (found === undefined) {
      found = (async () => {
        const account = await store.account(root, fromHex(address) as Uint8Array)
        if (account === undefined) return undefined
        return {
          storageRoot: account.storageRoot,
          account: {
            nonce: account.nonce,
            balance: account.balance,
            code: store.code(account.codeHash) ?? new Uint8Array(),
            storage: new Map(),
            storageRoot: account.storageRoot,
          },
        }
      })()
      stored.set(address, found)
    }
    return found
  }
  return {
    async account(address) {
      const over = overlay.get(address)
      if (over !== undefined) return over === null ? undefined : { ...over.account, storage: new Map() }
      return (await fromStore(address))?.account
    },
    async slot(address, slot) {
      const over = overlay.get(address)
      if (over === null) return 0n
      const value = over?.slots.get(slot)
      if (value !== undefined) return value
      const original = await fromStore(address)
      return original === undefined ? 0n : store.storage(original.storageRoot, fromHex(slot) as Uint8Array)
    },
  }
}

/**
 * Runs one transaction on the reader's state: the sender, recipient and fee recipient read first (L2 checks
 * the sender before anything runs), everything else read from the state when the EVM first asks for it.
 */
async function executeOwn(
  ctx: ExecuteTransactionContext,
  base: Witness,
  read: Reader,
): Promise<ExecutionVerdict> {
  const prestate = new Map<string, AccountState>()
  const envelope = validateEnvelope(ctx, { raw: base.transaction, chainId: base.chainId, fork: base.fork })
  if (envelope.valid) {
    const first = [
      envelope.sender,
      toHex(base.block.coinbase),
      ...(envelope.tx.to === undefined ? [] : [toHex(envelope.tx.to)]),
    ]
    for (const address of first.map((a) => a.toLowerCase())) {
      const account = await read.account(address)
      if (account !== undefined) prestate.set(address, account)
    }
  }
  return executeTransaction(ctx, { witness: { ...base, prestate }, fallback: read })
}

/** The block's system calls before its first transaction: EIP-4788's beacon root, EIP-2935's parent hash. */
async function applySystemWrites(overlay: Overlay, read: Reader, base: Witness, parentHash: Uint8Array) {
  const writes: [string, [bigint, bigint][]][] = []
  const beaconRoot = base.block.parentBeaconBlockRoot
  if (forkAtLeast(base.fork, 'cancun') && beaconRoot !== undefined)
    writes.push([BEACON_ROOTS_ADDRESS, beaconRootWrites(base.block.timestamp, bytesToBigInt(beaconRoot))])
  if (forkAtLeast(base.fork, 'prague'))
    writes.push([HISTORY_STORAGE_ADDRESS, historyWrites(base.block.number, bytesToBigInt(parentHash))])
  for (const [address, slots] of writes) {
    // Without the system contract the call does nothing.
    const account = await read.account(address)
    if (account === undefined) continue
    overlay.set(address, {
      account,
      slots: new Map(slots.map(([slot, value]) => [slotKey(toHex(bigIntToBytes(slot))), value])),
    })
  }
}

/**
 * What one transaction left: every account it read or wrote as it is after it (null: it does not exist),
 * with every slot it read or wrote (zero ones kept, so that they are not read from the store again).
 */
function applyToOverlay(overlay: Overlay, verdict: ExecutionAccepted) {
  const { accessed, postState } = verdict
  for (const address of new Set([...accessed.keys(), ...postState.keys()])) {
    const after = postState.get(address)
    if (after === undefined) {
      overlay.set(address, null)
      continue
    }
    const slots = new Map(overlay.get(address)?.slots ?? [])
    for (const slot of accessed.get(address) ?? []) slots.set(slot, after.storage.get(slot) ?? 0n)
    for (const [slot, value] of after.storage) slots.set(slot, value)
    overlay.set(address, { account: { ...after, storage: new Map() }, slots })
  }
}
