import type { Common } from '@ethereumjs/common'
import { SimpleStateManager } from '@ethereumjs/statemanager'
import { Account, type Address, KECCAK256_NULL } from '@ethereumjs/util'
import { bigIntToBytes, bytesToBigInt, equalBytes } from './bytes.ts'
import { slotKey } from './parseWitness.ts'
import type { AccountState } from './witness.ts'

/**
 * The EVM's state during one L3 run: @ethereumjs's in-memory SimpleStateManager loaded with the witness,
 * which also records reads of accounts the witness does not hold and can list the final state.
 * (A subclass because the library keeps its maps protected.)
 */
export class WitnessStateManager extends SimpleStateManager {
  readonly unwitnessed = new Set<string>()
  /** Accounts this execution created (absent from the witness, then given a nonce or code). */
  readonly created = new Set<string>()

  constructor(common: Common) {
    super({ common })
  }

  /** Forgets everything and loads a witness's prestate (the state manager is reused across executions). */
  load(prestate: Map<string, AccountState>): void {
    this.accountStack = [new Map()]
    this.codeStack = [new Map()]
    this.storageStack = [new Map()]
    this.originalStorageCache.clear()
    this.unwitnessed.clear()
    this.created.clear()
    const accounts = this.topAccountStack()
    const codes = this.topCodeStack()
    const storage = this.topStorageStack()
    const keccak = this.common?.customCrypto.keccak256
    for (const [key, account] of prestate) {
      const address = key as `0x${string}`
      const codeHash = account.code.length > 0 && keccak !== undefined ? keccak(account.code) : KECCAK256_NULL
      accounts.set(address, new Account(account.nonce, account.balance, undefined, codeHash))
      if (account.code.length > 0) codes.set(address, account.code)
      for (const [slot, value] of account.storage) storage.set(`${address}_${slot}`, bigIntToBytes(value))
    }
  }

  override async getAccount(address: Address): Promise<Account | undefined> {
    const key = address.toString()
    const accounts = this.topAccountStack()
    if (!accounts.has(key)) this.unwitnessed.add(key)
    return accounts.get(key)
  }

  override async putAccount(address: Address, account: Account | undefined): Promise<void> {
    const key = address.toString()
    if (
      account !== undefined &&
      this.unwitnessed.has(key) &&
      (account.nonce > 0n || !equalBytes(account.codeHash, KECCAK256_NULL))
    ) {
      this.created.add(key)
    }
    return super.putAccount(address, account)
  }

  /** Accounts read that the witness does not hold, other than those the execution created. */
  gaps(): string[] {
    return [...this.unwitnessed].filter((address) => !this.created.has(address)).sort()
  }

  /**
   * Pre-Byzantium receipts embed the intermediate state root, which a partial witness cannot give; the
   * receipt root is not part of a verdict, so a zero root stands in.
   */
  override async getStateRoot(): Promise<Uint8Array> {
    return new Uint8Array(32)
  }

  /** Every account after execution (deleted ones left out), storage without zero slots. */
  finalState(): Map<string, AccountState> {
    const codes = this.topCodeStack()
    const out = new Map<string, AccountState>()
    for (const [address, account] of this.topAccountStack()) {
      if (account === undefined) continue
      const hasCode = !equalBytes(account.codeHash, KECCAK256_NULL)
      out.set(address, {
        balance: account.balance,
        nonce: account.nonce,
        code: hasCode ? (codes.get(address) ?? new Uint8Array(0)) : new Uint8Array(0),
        storage: new Map(),
      })
    }
    for (const [key, value] of this.topStorageStack()) {
      const [address, slot] = key.split('_') as [string, string]
      const v = bytesToBigInt(value)
      if (v !== 0n) out.get(address)?.storage.set(slotKey(slot), v)
    }
    return out
  }
}
