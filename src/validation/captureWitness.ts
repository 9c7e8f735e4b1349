import {
  type ExecuteTransactionContext,
  type ExecutionVerdict,
  executeTransaction,
} from './executeTransaction.ts'
import { storageRoot } from './storageRoot.ts'
import type { AccountState, Witness } from './witness.ts'

export interface CaptureWitnessParameters {
  /** A witness whose prestate is the complete state (or any superset of what the transaction touches). */
  witness: Witness
}

export interface CaptureWitnessReturnType {
  verdict: ExecutionVerdict
  /** The same transaction and block with the prestate cut down to what execution read: a per-task witness. */
  witness: Witness
}

/**
 * Executes a transaction over a full state and returns the minimal witness for it: every account it read
 * that exists (balance, nonce, code) with the storage slots it read. Accounts it read that do not exist are
 * left out (they are empty either way). Re-executing the captured witness gives the same verdict.
 */
export async function captureWitness(
  ctx: ExecuteTransactionContext,
  { witness }: CaptureWitnessParameters,
): Promise<CaptureWitnessReturnType> {
  const verdict = await executeTransaction(ctx, { witness })
  const accessed = verdict.valid ? verdict.accessed : new Map<string, Set<string>>()
  const prestate = new Map<string, AccountState>()
  for (const [address, slots] of accessed) {
    const account = witness.prestate.get(address)
    if (account === undefined) continue
    const storage = new Map<string, bigint>()
    for (const slot of slots) {
      const value = account.storage.get(slot)
      if (value !== undefined) storage.set(slot, value)
    }
    // The storage root travels with every account that has storage, so that a CREATE over it fails
    // (EIP-7610) although the captured witness lists only the slots execution read.
    const root =
      account.storageRoot ??
      (account.storage.size > 0 ? await storageRoot(ctx.crypto, account.storage) : undefined)
    prestate.set(address, { ...account, storage, ...(root === undefined ? {} : { storageRoot: root }) })
  }
  if (!verdict.valid) {
    // A rejected transaction reads at most its sender: keep it so the rejection reproduces.
    const sender = verdict.sender === undefined ? undefined : witness.prestate.get(verdict.sender)
    if (sender !== undefined && verdict.sender !== undefined)
      prestate.set(verdict.sender, { ...sender, storage: new Map() })
  }
  return { verdict, witness: { ...witness, prestate } }
}
