import { keccak_256 } from '@noble/hashes/sha3.js'
import { ApiaryError } from '../internal/errors.ts'
import { createTrieRoot } from './createTrieRoot.ts'
import { readSnapshot } from './readSnapshot.ts'
import { accountLeaf, type SnapshotHeader, slotLeaf } from './snapshotFormat.ts'

export interface SnapshotReport extends Omit<SnapshotHeader, 'header'> {
  accounts: number
  codes: number
  slots: number
  digest: Uint8Array
}

/**
 * Checks a snapshot end to end (docs/spec/snapshot.md#verification): everything readSnapshot checks, and the
 * state root its contents give — each account's storage root, then the state trie, built as the records
 * stream — against the header's `stateRoot`. Throws the first failure with its code.
 */
export async function verifySnapshot(path: string): Promise<SnapshotReport> {
  const state = createTrieRoot()
  let header: SnapshotHeader | undefined
  for await (const event of readSnapshot(path)) {
    if (event.kind === 'header') header = event
    else if (event.kind === 'account') {
      const storage = createTrieRoot()
      for (const [slot, value] of event.storage) storage.add(keccak_256(slot), slotLeaf(value))
      state.add(keccak_256(event.address), accountLeaf(event, storage.root()))
    } else if (event.kind === 'end') {
      const h = header as SnapshotHeader
      const root = state.root()
      if (!Buffer.from(root).equals(h.stateRoot))
        throw new ApiaryError(
          'APIARY_SNAPSHOT_STATE_ROOT_MISMATCH',
          `the snapshot's contents give the state root 0x${Buffer.from(root).toString('hex')}; block ${h.number}'s header says 0x${Buffer.from(h.stateRoot).toString('hex')}`,
          { usage: true },
        )
      const { header: _bytes, ...facts } = h
      return {
        ...facts,
        accounts: event.accounts,
        codes: event.codes,
        slots: event.slots,
        digest: event.digest,
      }
    }
  }
  throw new ApiaryError('APIARY_SNAPSHOT_TRUNCATED', 'the snapshot ends before its trailer', { usage: true })
}
