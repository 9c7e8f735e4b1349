import type { Common, StateManagerInterface } from '@ethereumjs/common'
import { Account, type Address, KECCAK256_NULL } from '@ethereumjs/util'
import { bigIntToBytes, bytesToBigInt, equalBytes, toHex } from './bytes.ts'
import type { CodeHashCache } from './codeHashCache.ts'
import { slotKey } from './parseWitness.ts'
import type { AccountState } from './witness.ts'

/**
 * The EVM's state during an L3 run: an in-memory state loaded from a witness, with an undo journal for
 * checkpoints (a call frame costs nothing until it writes, unlike @ethereumjs's SimpleStateManager, which
 * copies every map at every checkpoint). It also records every account and slot read, the accounts read
 * that the witness does not hold, and lists the final state.
 */
/**
 * Where a state reads what its prestate lacks (an L4 agent's own state): an account (undefined: it does not
 * exist) and a slot of an account it gave.
 */
export interface StateFallback {
  account(address: string): Promise<AccountState | undefined>
  slot(address: string, slot: string): Promise<bigint>
}

export interface WitnessState extends StateManagerInterface {
  /**
   * Forgets everything and loads a witness's prestate; the object is reused across executions. With a
   * fallback, what the prestate lacks is read from it when first asked for (and is part of `prestate()`).
   */
  load(prestate: Map<string, AccountState>, fallback?: StateFallback): void
  /** The state before execution as far as it was read: the prestate given, and what the fallback gave. */
  prestate(): Map<string, AccountState>
  /** Every account read and, per account, every storage slot read. */
  readonly touched: Map<string, Set<string>>
  /** Accounts read that the witness does not hold, other than those the execution created. */
  gaps(): string[]
  /** Every account after execution (deleted ones left out), storage without zero slots. */
  finalState(): Map<string, AccountState>
}

type Undo = () => void

const EMPTY = new Uint8Array(0)
/** A storage root that says "not empty" when the witness lists slots but gives no root. */
const SOME_STORAGE = new Uint8Array(32).fill(0xff)

export function createWitnessState(common: Common, codeHashes?: CodeHashCache): WitnessState {
  const keccak = common.customCrypto.keccak256 as (data: Uint8Array) => Uint8Array
  const codeHash = (code: Uint8Array) => (codeHashes === undefined ? keccak(code) : codeHashes.codeHash(code))
  let accounts = new Map<string, Account | undefined>()
  let codes = new Map<string, Uint8Array>()
  let storage = new Map<string, Map<string, Uint8Array>>()
  const touched = new Map<string, Set<string>>()
  const unwitnessed = new Set<string>()
  const created = new Set<string>()
  const originals = new Map<string, Uint8Array>()
  const journal: Undo[] = []
  const checkpoints: number[] = []
  let given = new Map<string, AccountState>()
  let fallback: StateFallback | undefined
  /**
   * What the fallback gave (undefined: no such account), its slots as read (zero ones included); slots it
   * gave for accounts of the prestate are added to the prestate's own storage.
   */
  const fetched = new Map<string, AccountState | undefined>()
  /** Accounts whose storage this execution wiped (deleted, cleared): their slots are not read from the fallback. */
  const wiped = new Set<string>()

  const record = (undo: Undo) => {
    if (checkpoints.length > 0) journal.push(undo)
  }
  const setAccount = (key: string, account: Account | undefined) => {
    const had = accounts.has(key)
    const previous = accounts.get(key)
    record(() => (had ? accounts.set(key, previous) : accounts.delete(key)))
    accounts.set(key, account)
  }
  const setCode = (key: string, code: Uint8Array | undefined) => {
    const previous = codes.get(key)
    record(() => (previous === undefined ? codes.delete(key) : codes.set(key, previous)))
    if (code === undefined) codes.delete(key)
    else codes.set(key, code)
  }
  const setSlots = (key: string, slots: Map<string, Uint8Array> | undefined) => {
    const previous = storage.get(key)
    record(() => (previous === undefined ? storage.delete(key) : storage.set(key, previous)))
    if (slots === undefined) storage.delete(key)
    else storage.set(key, slots)
  }
  const wipe = (key: string) => {
    if (fallback === undefined || wiped.has(key)) return
    wiped.add(key)
    record(() => wiped.delete(key))
  }
  /** With a fallback: loads an account the prestate lacks, as state before execution (never journaled). */
  const ensure = async (key: string) => {
    if (fallback === undefined || given.has(key) || fetched.has(key) || accounts.has(key)) return
    const account = await fallback.account(key)
    if (fetched.has(key) || accounts.has(key)) return
    fetched.set(key, account === undefined ? undefined : { ...account, storage: new Map() })
    if (account === undefined) return
    const hash = account.code.length > 0 ? codeHash(account.code) : KECCAK256_NULL
    accounts.set(key, new Account(account.nonce, account.balance, account.storageRoot, hash))
    if (account.code.length > 0) codes.set(key, account.code)
  }
  const copy = (a: Account) =>
    new Account(a.nonce, a.balance, a.storageRoot, a.codeHash, a.codeSize, a.version)
  const touch = (key: string) => {
    let slots = touched.get(key)
    if (slots === undefined) {
      slots = new Set()
      touched.set(key, slots)
    }
    return slots
  }

  const state: WitnessState = {
    touched,
    originalStorageCache: {
      async get(address: Address, key: Uint8Array) {
        const id = `${address.toString()}_${toHex(key)}`
        const cached = originals.get(id)
        if (cached !== undefined) return cached
        const value = await state.getStorage(address, key)
        originals.set(id, value)
        return value
      },
      clear() {
        originals.clear()
      },
    },

    load(prestate, from) {
      given = prestate
      fallback = from
      fetched.clear()
      wiped.clear()
      accounts = new Map()
      codes = new Map()
      storage = new Map()
      touched.clear()
      unwitnessed.clear()
      created.clear()
      originals.clear()
      journal.length = 0
      checkpoints.length = 0
      for (const [key, account] of prestate) {
        const hash = account.code.length > 0 ? codeHash(account.code) : KECCAK256_NULL
        // The storage root matters only to EIP-7610 (a CREATE over an account with storage fails): the given
        // one, else a stand-in that is not the empty root when slots are listed.
        const root = account.storageRoot ?? (account.storage.size > 0 ? SOME_STORAGE : undefined)
        accounts.set(key, new Account(account.nonce, account.balance, root, hash))
        if (account.code.length > 0) codes.set(key, account.code)
        if (account.storage.size > 0) {
          storage.set(key, new Map([...account.storage].map(([slot, value]) => [slot, bigIntToBytes(value)])))
        }
      }
    },

    prestate() {
      if (fetched.size === 0) return given
      const out = new Map(given)
      for (const [key, account] of fetched) if (account !== undefined) out.set(key, account)
      return out
    },

    async getAccount(address) {
      const key = address.toString()
      touch(key)
      await ensure(key)
      if (!accounts.has(key)) unwitnessed.add(key)
      const account = accounts.get(key)
      return account === undefined ? undefined : copy(account)
    },
    async putAccount(address, account) {
      const key = address.toString()
      if (
        account !== undefined &&
        unwitnessed.has(key) &&
        (account.nonce > 0n || !equalBytes(account.codeHash, KECCAK256_NULL))
      ) {
        created.add(key)
      }
      setAccount(key, account === undefined ? undefined : copy(account))
    },
    async deleteAccount(address) {
      const key = address.toString()
      wipe(key)
      setAccount(key, undefined)
      if (codes.has(key)) setCode(key, undefined)
      if (storage.has(key)) setSlots(key, undefined)
    },
    async modifyAccountFields(address, fields) {
      const account = (await state.getAccount(address)) ?? new Account()
      if (fields.nonce !== undefined) account.nonce = fields.nonce
      if (fields.balance !== undefined) account.balance = fields.balance
      if (fields.codeHash !== undefined) account.codeHash = fields.codeHash
      if (fields.storageRoot !== undefined) account.storageRoot = fields.storageRoot
      await state.putAccount(address, account)
    },
    async putCode(address, code) {
      const key = address.toString()
      setCode(key, code)
      const account = accounts.get(key) ?? new Account()
      const next = copy(account)
      next.codeHash = code.length > 0 ? keccak(code) : KECCAK256_NULL
      await state.putAccount(address, next)
    },
    async getCode(address) {
      const key = address.toString()
      // A read like any other (an EIP-7702 delegation target is read by its code alone).
      touch(key)
      await ensure(key)
      const account = accounts.get(key)
      if (account === undefined || equalBytes(account.codeHash, KECCAK256_NULL)) return EMPTY
      return codes.get(key) ?? EMPTY
    },
    async getCodeSize(address) {
      return (await state.getCode(address)).length
    },
    async getStorage(address, key) {
      const id = address.toString()
      const slot = toHex(key)
      touch(id).add(slot)
      await ensure(id)
      // With a fallback, a slot the prestate lacks (of an account it gave, or the fallback gave) and not
      // written here: its value before execution, read from the fallback once.
      const base = fallback === undefined ? undefined : (fetched.get(id) ?? given.get(id))
      if (
        base !== undefined &&
        fallback !== undefined &&
        !wiped.has(id) &&
        storage.get(id)?.has(slot) !== true
      ) {
        if (!base.storage.has(slot)) {
          const value = await fallback.slot(id, slot)
          if (!base.storage.has(slot)) base.storage.set(slot, value)
        }
        const value = base.storage.get(slot) ?? 0n
        if (value !== 0n && storage.get(id)?.has(slot) !== true) {
          let slots = storage.get(id)
          if (slots === undefined) {
            slots = new Map()
            storage.set(id, slots)
          }
          slots.set(slot, bigIntToBytes(value))
        }
      }
      return storage.get(id)?.get(slot) ?? EMPTY
    },
    async putStorage(address, key, value) {
      const id = address.toString()
      const slot = toHex(key)
      let slots = storage.get(id)
      if (slots === undefined) {
        slots = new Map()
        setSlots(id, slots)
      }
      const map = slots
      const had = map.has(slot)
      const previous = map.get(slot)
      record(() => (had ? map.set(slot, previous as Uint8Array) : map.delete(slot)))
      map.set(slot, value)
    },
    async clearStorage(address) {
      const key = address.toString()
      wipe(key)
      if (storage.has(key)) setSlots(key, new Map())
    },
    async checkpoint() {
      checkpoints.push(journal.length)
    },
    async commit() {
      checkpoints.pop()
      if (checkpoints.length === 0) journal.length = 0
    },
    async revert() {
      const mark = checkpoints.pop() ?? 0
      while (journal.length > mark) (journal.pop() as Undo)()
    },
    /**
     * Pre-Byzantium receipts embed the intermediate state root, which a partial witness cannot give; the
     * receipt root is not part of a verdict, so a zero root stands in.
     */
    async getStateRoot() {
      return new Uint8Array(32)
    },
    async setStateRoot() {
      throw new Error('a witness state has no state root')
    },
    async hasStateRoot() {
      return false
    },
    clearCaches() {},
    shallowCopy() {
      throw new Error('a witness state cannot be copied')
    },

    gaps() {
      return [...unwitnessed].filter((address) => !created.has(address)).sort()
    },
    finalState() {
      const out = new Map<string, AccountState>()
      for (const [address, account] of accounts) {
        if (account === undefined) continue
        const hasCode = !equalBytes(account.codeHash, KECCAK256_NULL)
        const slots = new Map<string, bigint>()
        for (const [slot, value] of storage.get(address) ?? []) {
          const v = bytesToBigInt(value)
          if (v !== 0n) slots.set(slotKey(slot), v)
        }
        out.set(address, {
          balance: account.balance,
          nonce: account.nonce,
          code: hasCode ? (codes.get(address) ?? EMPTY) : EMPTY,
          storage: slots,
        })
      }
      return out
    },
  }
  return state
}
