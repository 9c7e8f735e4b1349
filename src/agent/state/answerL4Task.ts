import { create } from '@bufbuild/protobuf'
import { type Task, type TaskResult, TaskResultSchema } from '../../gen/apiary/v1/swarm_pb.js'
import { resultFromVerdict, witnessFromMessage } from '../../protocol/index.ts'
import {
  type AccountState,
  BEACON_ROOTS_ADDRESS,
  beaconRootWrites,
  bigIntToBytes,
  bytesToBigInt,
  type ExecuteTransactionContext,
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

/** Executions of one transaction while its read set grows; a transaction reading more than this is refused. */
const MAX_ROUNDS = 64

/** An account as a block's earlier transactions left it (null: it does not exist), slots changed or read. */
type Overlay = Map<string, { account: AccountState; slots: Map<string, bigint> } | null>

export interface L4Dependencies {
  ctx: ExecuteTransactionContext
  store: StateStore
  /** Resolves once the store holds block `number` (or rejects when `deadline`, unix ms, passes first). */
  waitFor(number: bigint, deadline: number): Promise<void>
}

/**
 * Answers an L4 task from the agent's own state (docs/l4.md): the witness has no prestate, only the block
 * context and where the transaction runs — after block `l4.parent_number` (whose hash must be the one the
 * store holds: otherwise the agent is on another branch and does not answer) and after the block's earlier
 * transactions (`l4.preceding`, which it runs first). Each execution reads the accounts and slots the EVM
 * asks for from the store's trie at that block; the engine runs on exactly those, again, until a run reads
 * nothing it was not given — the read set of a deterministic execution is found in a few runs, and the
 * answer is then the L3 engine's on the true prestate. Undefined when the agent cannot answer truthfully
 * (its state never reached the block, or holds another branch): the task goes to another agent.
 */
export async function answerL4Task(deps: L4Dependencies, task: Task): Promise<TaskResult | undefined> {
  const started = performance.now()
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
  if (parent === undefined || !Buffer.from(parent.hash).equals(Buffer.from(l4.parentHash))) return undefined
  const overlay: Overlay = new Map()
  const read = createReader(deps.store, parent.stateRoot, overlay)
  await applySystemWrites(overlay, read, base, l4.parentHash)
  for (const raw of l4.preceding) {
    const { verdict, prestate } = await executeOwn(deps.ctx, { ...base, transaction: raw }, read)
    if (verdict.valid && verdict.level === 'L3') applyToOverlay(overlay, prestate, verdict.postState)
  }
  const { verdict } = await executeOwn(deps.ctx, base, read)
  return resultFromVerdict(task.taskId, verdict, (performance.now() - started) * 1000)
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

/** Runs one transaction on the reader's state, growing its prestate until the execution reads nothing new. */
async function executeOwn(
  ctx: ExecuteTransactionContext,
  base: Witness,
  read: Reader,
): Promise<{ verdict: ExecutionVerdict; prestate: Map<string, AccountState> }> {
  const prestate = new Map<string, AccountState>()
  const absent = new Set<string>()
  const checked = new Map<string, Set<string>>()
  const addAccount = async (address: string) => {
    if (prestate.has(address) || absent.has(address)) return false
    const account = await read.account(address)
    if (account === undefined) absent.add(address)
    else prestate.set(address, account)
    return true
  }
  const addSlot = async (address: string, slot: string) => {
    const seen = checked.get(address) ?? new Set<string>()
    checked.set(address, seen)
    if (seen.has(slot)) return false
    seen.add(slot)
    const value = await read.slot(address, slot)
    // A zero slot stays out of the prestate: absent is zero, and a listed zero would read as "cleared".
    if (value !== 0n) prestate.get(address)?.storage.set(slot, value)
    return true
  }
  const envelope = validateEnvelope(ctx, { raw: base.transaction, chainId: base.chainId, fork: base.fork })
  if (envelope.valid) {
    await addAccount(envelope.sender.toLowerCase())
    if (envelope.tx.to !== undefined) await addAccount(toHex(envelope.tx.to).toLowerCase())
    await addAccount(toHex(base.block.coinbase).toLowerCase())
  }
  for (let round = 0; ; round++) {
    const verdict = await executeTransaction(ctx, { witness: { ...base, prestate: clone(prestate) } })
    if (!verdict.valid || verdict.level !== 'L3' || round === MAX_ROUNDS) return { verdict, prestate }
    let grew = false
    for (const [address, slots] of verdict.accessed) {
      if (await addAccount(address)) grew = true
      if (!prestate.has(address)) continue
      for (const slot of slots) if (await addSlot(address, slot)) grew = true
    }
    if (!grew) return { verdict, prestate }
  }
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

/** What one transaction left: every account it read, as it is after it (zeroed slots kept as zero). */
function applyToOverlay(
  overlay: Overlay,
  prestate: Map<string, AccountState>,
  post: Map<string, AccountState>,
) {
  for (const [address, before] of prestate) {
    const after = post.get(address)
    if (after === undefined) {
      overlay.set(address, null)
      continue
    }
    const slots = new Map(overlay.get(address)?.slots ?? [])
    for (const slot of before.storage.keys()) slots.set(slot, 0n)
    for (const [slot, value] of after.storage) slots.set(slot, value)
    overlay.set(address, { account: { ...after, storage: new Map() }, slots })
  }
  for (const [address, after] of post)
    if (!prestate.has(address))
      overlay.set(address, { account: { ...after, storage: new Map() }, slots: new Map(after.storage) })
}

const clone = (prestate: Map<string, AccountState>) =>
  new Map([...prestate].map(([address, a]) => [address, { ...a, storage: new Map(a.storage) }]))
