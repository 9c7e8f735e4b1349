import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import { RLP } from '@ethereumjs/rlp'
import { type BatchDBOp, type DB, ValueEncoding } from '@ethereumjs/util'
import { keccak_256 } from '@noble/hashes/sha3.js'
import SQLite from 'better-sqlite3'
import { ApiaryError } from '../../internal/errors.ts'
import type { ReceivedStateDiff } from '../../protocol/index.ts'
import {
  accountLeaf,
  createTrieRoot,
  EMPTY_CODE_HASH,
  EMPTY_TRIE_ROOT,
  readSnapshot,
  type SnapshotHeader,
  slotLeaf,
} from '../../state/index.ts'

/** The block an L4 agent's state is at. */
export interface StateHead {
  chainId: bigint
  number: bigint
  hash: Uint8Array
  stateRoot: Uint8Array
}

export interface StoredAccount {
  nonce: bigint
  balance: bigint
  codeHash: Uint8Array
  storageRoot: Uint8Array
}

/** One block's state diff (protocol/stateDiffFromMessage reads one; chain/readBlockDiff from a node). */
export type StateDiff = ReceivedStateDiff

export interface LoadReport {
  head: StateHead
  accounts: number
  codes: number
  slots: number
  /** Trie nodes written. */
  nodes: number
}

/** Accounts per transaction while a snapshot loads: memory stays flat, a commit costs little. */
const ACCOUNTS_PER_COMMIT = 5000
/** Blocks whose state the store can go back to (a reorg) or read at (a task of an older block). */
export const STATE_HISTORY_BLOCKS = 256

const hex = (bytes: Uint8Array) => `0x${Buffer.from(bytes).toString('hex')}`

/**
 * An L4 agent's own state (docs/spec/snapshot.md#the-agents-store): SQLite in `<datadir>/state.db` (WAL)
 * holding the Merkle-Patricia trie's nodes by hash, the contracts' code by hash, and the last 256 blocks
 * applied (number, hash, state root). Every read goes through @ethereumjs/mpt at a block's root, so the
 * state of any of those blocks can be read, and going back a block (a reorg) is moving the head: nodes are
 * content-addressed and never rewritten. Why SQLite: the coordinator's store already runs on it (one native
 * dependency, known crash behaviour: a transaction is durable once committed), reads are synchronous and
 * fast, and one file is easy to copy. A snapshot loads as it streams, committed every 5,000 accounts; the
 * head is written last, so a load cut short (a crash, a bad file) leaves no head and the agent loads again
 * rather than run on half a state.
 */
export function openStateStore(datadir: string) {
  mkdirSync(datadir, { recursive: true })
  const db = new SQLite(join(datadir, 'state.db'))
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.exec(`
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS nodes (hash BLOB PRIMARY KEY, rlp BLOB NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS code (hash BLOB PRIMARY KEY, code BLOB NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS blocks (number INTEGER PRIMARY KEY, hash BLOB NOT NULL, state_root BLOB NOT NULL);
  `)
  const q = {
    meta: db.prepare<[string], { value: Buffer }>('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
    node: db.prepare<[Buffer], { rlp: Buffer }>('SELECT rlp FROM nodes WHERE hash = ?'),
    putNode: db.prepare('INSERT OR IGNORE INTO nodes (hash, rlp) VALUES (?, ?)'),
    code: db.prepare<[Buffer], { code: Buffer }>('SELECT code FROM code WHERE hash = ?'),
    putCode: db.prepare('INSERT OR IGNORE INTO code (hash, code) VALUES (?, ?)'),
    block: db.prepare<[number], { hash: Buffer; state_root: Buffer }>(
      'SELECT hash, state_root FROM blocks WHERE number = ?',
    ),
    putBlock: db.prepare('INSERT OR REPLACE INTO blocks (number, hash, state_root) VALUES (?, ?, ?)'),
    dropFrom: db.prepare('DELETE FROM blocks WHERE number >= ?'),
    dropBefore: db.prepare('DELETE FROM blocks WHERE number < ?'),
  }
  const meta = (key: string) => q.meta.get(key)?.value
  const chainId = () => BigInt(String(meta('chain_id')))
  const open = (root: Uint8Array) =>
    new MerklePatriciaTrie({ db: trieDb, root, useKeyHashing: true, valueEncoding: ValueEncoding.Bytes })
  /** Tries opened for reads, by root (never written through: applyDiff opens its own). */
  const readers = new Map<string, MerklePatriciaTrie>()
  const reader = (root: Uint8Array) => {
    const key = Buffer.from(root).toString('hex')
    let trie = readers.get(key)
    if (trie === undefined) {
      trie = open(root)
      if (readers.size >= 4096) readers.delete(readers.keys().next().value as string)
      readers.set(key, trie)
    }
    return trie
  }

  const trieDb: DB<string, string | Uint8Array> = {
    get: async (key) => {
      const row = q.node.get(Buffer.from(key, 'hex'))
      return row === undefined ? undefined : new Uint8Array(row.rlp)
    },
    put: async (key, value) => void q.putNode.run(Buffer.from(key, 'hex'), Buffer.from(value as Uint8Array)),
    // Nodes are content-addressed and shared between tries and blocks: never deleted here.
    del: async () => {},
    batch: async (ops: BatchDBOp<string, string | Uint8Array>[]) => {
      db.transaction(() => {
        for (const op of ops)
          if (op.type === 'put')
            q.putNode.run(Buffer.from(op.key, 'hex'), Buffer.from(op.value as Uint8Array))
      })()
    },
    shallowCopy: () => trieDb,
    open: async () => {},
  }

  const store = {
    /** The block the state is at; undefined when empty or when a load did not finish. */
    head(): StateHead | undefined {
      const number = meta('number')
      if (number === undefined || meta('loading')?.[0] === 1) return undefined
      return store.at(BigInt(number.toString()))
    },

    /** A block of the store's history (the head and up to 255 before it), if it holds it. */
    at(number: bigint): StateHead | undefined {
      const row = q.block.get(Number(number))
      if (row === undefined) return undefined
      return {
        chainId: chainId(),
        number,
        hash: new Uint8Array(row.hash),
        stateRoot: new Uint8Array(row.state_root),
      }
    },

    /**
     * Loads a snapshot into an empty store (or over an unfinished load): every record checked as it streams
     * (readSnapshot), the tries built and their nodes written as they are made, the state root compared
     * with the header's before the head is written. Throws the snapshot's refusal code; the store then has
     * no head.
     */
    async loadSnapshot(path: string): Promise<LoadReport> {
      if (store.head() !== undefined)
        throw new ApiaryError(
          'APIARY_STATE_NOT_EMPTY',
          `${datadir} already holds a state: it resumes from it`,
          {
            usage: true,
          },
        )
      db.exec('DELETE FROM meta; DELETE FROM nodes; DELETE FROM code; DELETE FROM blocks;')
      q.setMeta.run('loading', Buffer.of(1))
      let nodes = 0
      const putNode = (hash: Uint8Array, rlp: Uint8Array) => {
        nodes += Number(q.putNode.run(Buffer.from(hash), Buffer.from(rlp)).changes)
      }
      const state = createTrieRoot({ onNode: putNode })
      let header: SnapshotHeader | undefined
      let inBatch = 0
      db.exec('BEGIN')
      try {
        for await (const event of readSnapshot(path)) {
          if (event.kind === 'header') header = event
          else if (event.kind === 'code') q.putCode.run(Buffer.from(event.codeHash), Buffer.from(event.code))
          else if (event.kind === 'account') {
            const storage = createTrieRoot({ onNode: putNode })
            for (const [slot, value] of event.storage) storage.add(keccak_256(slot), slotLeaf(value))
            const storageRoot = event.storage.length === 0 ? EMPTY_TRIE_ROOT : storage.root()
            state.add(keccak_256(event.address), accountLeaf(event, storageRoot))
            if (++inBatch === ACCOUNTS_PER_COMMIT) {
              db.exec('COMMIT; BEGIN')
              inBatch = 0
            }
          } else {
            const h = header as SnapshotHeader
            const root = state.root()
            if (!Buffer.from(root).equals(h.stateRoot))
              throw new ApiaryError(
                'APIARY_SNAPSHOT_STATE_ROOT_MISMATCH',
                `the snapshot's contents give the state root ${hex(root)}; its header says ${hex(h.stateRoot)}`,
                { usage: true },
              )
            q.setMeta.run('chain_id', Buffer.from(h.chainId.toString()))
            q.putBlock.run(Number(h.number), Buffer.from(h.hash), Buffer.from(h.stateRoot))
            q.setMeta.run('number', Buffer.from(h.number.toString()))
            q.setMeta.run('loading', Buffer.of(0))
            db.exec('COMMIT')
            return {
              head: store.head() as StateHead,
              accounts: event.accounts,
              codes: event.codes,
              slots: event.slots,
              nodes,
            }
          }
        }
        throw new ApiaryError('APIARY_SNAPSHOT_TRUNCATED', 'the snapshot ends before its trailer', {
          usage: true,
        })
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK')
        throw error
      }
    },

    /**
     * Applies the next block's diff and checks it: the block must follow the head (number and parent hash),
     * and the state root the store computes after it must be the block's. The head moves (one transaction)
     * only when the root matches; a refused diff leaves the store at its head (trie nodes written meanwhile
     * are content-addressed and harmless). Codes: APIARY_STATE_GAP, APIARY_STATE_WRONG_PARENT,
     * APIARY_STATE_ROOT_MISMATCH.
     */
    async applyDiff(diff: StateDiff): Promise<StateHead> {
      const head = store.head()
      if (head === undefined)
        throw new ApiaryError('APIARY_STATE_EMPTY', 'the store holds no state: load a snapshot first')
      if (diff.number !== head.number + 1n)
        throw new ApiaryError(
          'APIARY_STATE_GAP',
          `the store is at block ${head.number}; a diff of block ${diff.number} does not follow it`,
        )
      if (diff.parentHash.toLowerCase() !== hex(head.hash))
        throw new ApiaryError(
          'APIARY_STATE_WRONG_PARENT',
          `block ${diff.number}'s parent ${diff.parentHash} is not the store's head ${hex(head.hash)}`,
        )
      const state = open(head.stateRoot)
      const codes: [Uint8Array, Uint8Array][] = []
      for (const [hexAddress, after] of diff.accounts) {
        const address = Buffer.from(hexAddress.slice(2), 'hex')
        const before = await store.account(head.stateRoot, address)
        const storage = open(before?.storageRoot ?? EMPTY_TRIE_ROOT)
        for (const [hexSlot, value] of after.storage) {
          const slot = Buffer.from(hexSlot.slice(2), 'hex')
          if (value === 0n) await storage.del(slot)
          else await storage.put(slot, slotLeaf(value))
        }
        const storageRoot = storage.root()
        const codeHash =
          after.code === undefined ? (before?.codeHash ?? EMPTY_CODE_HASH) : keccak_256(after.code)
        if (after.code !== undefined && after.code.length > 0) codes.push([codeHash, after.code])
        // EIP-161: an account without nonce, balance, code or storage does not exist.
        if (
          after.nonce === 0n &&
          after.balance === 0n &&
          Buffer.from(codeHash).equals(EMPTY_CODE_HASH) &&
          Buffer.from(storageRoot).equals(EMPTY_TRIE_ROOT)
        ) {
          await state.del(address)
          continue
        }
        const account = { nonce: after.nonce, balance: after.balance, codeHash, storageRoot }
        await state.put(address, accountLeaf({ ...account, address, storage: [] }, storageRoot))
      }
      const root = state.root()
      if (hex(root) !== diff.stateRoot.toLowerCase())
        throw new ApiaryError(
          'APIARY_STATE_ROOT_MISMATCH',
          `after block ${diff.number} the store's state root is ${hex(root)}; the block's is ${diff.stateRoot}`,
        )
      db.transaction(() => {
        for (const [hash, code] of codes) q.putCode.run(Buffer.from(hash), Buffer.from(code))
        q.putBlock.run(Number(diff.number), Buffer.from(diff.hash.slice(2), 'hex'), Buffer.from(root))
        q.setMeta.run('number', Buffer.from(diff.number.toString()))
        q.dropBefore.run(Number(diff.number) - STATE_HISTORY_BLOCKS + 1)
      })()
      return store.head() as StateHead
    },

    /**
     * Goes back one block (its parent was reorged away): the head becomes the block before, whose state the
     * store still holds. APIARY_STATE_HISTORY_EXHAUSTED when it does not (a snapshot is needed).
     */
    unwind(): StateHead {
      const head = store.head()
      const parent = head === undefined ? undefined : store.at(head.number - 1n)
      if (head === undefined || parent === undefined)
        throw new ApiaryError(
          'APIARY_STATE_HISTORY_EXHAUSTED',
          `the store holds no state before block ${head?.number ?? '(none)'}: load a newer snapshot`,
        )
      db.transaction(() => {
        q.dropFrom.run(Number(head.number))
        q.setMeta.run('number', Buffer.from(parent.number.toString()))
      })()
      return parent
    },

    /** An account in the state whose root is `stateRoot` (a block of the history), if it exists. */
    async account(stateRoot: Uint8Array, address: Uint8Array): Promise<StoredAccount | undefined> {
      const leaf = await reader(stateRoot).get(address)
      if (leaf === null || leaf === undefined) return undefined
      const [nonce, balance, storageRoot, codeHash] = RLP.decode(leaf) as Uint8Array[]
      return {
        nonce: bytesToBigInt(nonce as Uint8Array),
        balance: bytesToBigInt(balance as Uint8Array),
        storageRoot: storageRoot as Uint8Array,
        codeHash: codeHash as Uint8Array,
      }
    },

    /** A slot's value in the storage trie whose root is `storageRoot` (0 when absent). */
    async storage(storageRoot: Uint8Array, slot: Uint8Array): Promise<bigint> {
      if (Buffer.from(storageRoot).equals(EMPTY_TRIE_ROOT)) return 0n
      const leaf = await reader(storageRoot).get(slot)
      return leaf === null || leaf === undefined ? 0n : bytesToBigInt(RLP.decode(leaf) as Uint8Array)
    },

    code(codeHash: Uint8Array): Uint8Array | undefined {
      if (Buffer.from(codeHash).equals(EMPTY_CODE_HASH)) return new Uint8Array()
      const row = q.code.get(Buffer.from(codeHash))
      return row === undefined ? undefined : new Uint8Array(row.code)
    },

    /** The trie nodes as @ethereumjs/mpt's database (keys unprefixed hex, values bytes). */
    trieDb(): DB<string, string | Uint8Array> {
      return trieDb
    },

    close(): void {
      db.close()
    },
  }
  return store
}

const bytesToBigInt = (bytes: Uint8Array) =>
  bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`)

export type StateStore = ReturnType<typeof openStateStore>
