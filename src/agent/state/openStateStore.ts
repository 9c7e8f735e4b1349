import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import { type BatchDBOp, type DB, ValueEncoding } from '@ethereumjs/util'
import { keccak_256 } from '@noble/hashes/sha3.js'
import SQLite from 'better-sqlite3'
import { ApiaryError } from '../../internal/errors.ts'
import {
  accountLeaf,
  createTrieRoot,
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

/** One block's state diff (the shape StreamStateDiffs will carry; chain/readBlockDiff reads one from a node). */
export interface StateDiff {
  number: bigint
  /** 0x-hex. */
  hash: string
  parentHash: string
  stateRoot: string
  /** Lower-case 0x address → the account after the block, with the slots the block touched (0: cleared). */
  accounts: Map<string, { nonce: bigint; balance: bigint; code: Uint8Array; storage: Map<string, bigint> }>
}

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

/**
 * An L4 agent's own state (docs/spec/snapshot.md): SQLite in `<datadir>/state.db` (WAL) — flat tables for
 * reads (accounts, code, storage) and the Merkle-Patricia trie's nodes by hash, so that @ethereumjs/mpt
 * opens the state trie (and each storage trie) at its root and updates it block by block. Why SQLite: the
 * coordinator's store already runs on it (one native dependency, known crash behaviour: a transaction is
 * durable once committed), reads are synchronous and fast, and one file is easy to copy. A snapshot loads
 * as it streams, committed every 5,000 accounts; the head is written last, so a load cut short (a crash, a
 * bad file) leaves no head and the agent loads again rather than run on half a state.
 */
export function openStateStore(datadir: string) {
  mkdirSync(datadir, { recursive: true })
  const db = new SQLite(join(datadir, 'state.db'))
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.exec(`
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS nodes (hash BLOB PRIMARY KEY, rlp BLOB NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS accounts (
      address BLOB PRIMARY KEY, nonce TEXT NOT NULL, balance TEXT NOT NULL,
      code_hash BLOB NOT NULL, storage_root BLOB NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS code (hash BLOB PRIMARY KEY, code BLOB NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS storage (
      address BLOB NOT NULL, slot BLOB NOT NULL, value BLOB NOT NULL,
      PRIMARY KEY (address, slot)) WITHOUT ROWID;
  `)
  const q = {
    meta: db.prepare<[string], { value: Buffer }>('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
    node: db.prepare<[Buffer], { rlp: Buffer }>('SELECT rlp FROM nodes WHERE hash = ?'),
    putNode: db.prepare('INSERT OR IGNORE INTO nodes (hash, rlp) VALUES (?, ?)'),
    account: db.prepare<
      [Buffer],
      { nonce: string; balance: string; code_hash: Buffer; storage_root: Buffer }
    >('SELECT nonce, balance, code_hash, storage_root FROM accounts WHERE address = ?'),
    putAccount: db.prepare(
      'INSERT OR REPLACE INTO accounts (address, nonce, balance, code_hash, storage_root) VALUES (?, ?, ?, ?, ?)',
    ),
    code: db.prepare<[Buffer], { code: Buffer }>('SELECT code FROM code WHERE hash = ?'),
    putCode: db.prepare('INSERT OR IGNORE INTO code (hash, code) VALUES (?, ?)'),
    slot: db.prepare<[Buffer, Buffer], { value: Buffer }>(
      'SELECT value FROM storage WHERE address = ? AND slot = ?',
    ),
    putSlot: db.prepare('INSERT OR REPLACE INTO storage (address, slot, value) VALUES (?, ?, ?)'),
    delSlot: db.prepare('DELETE FROM storage WHERE address = ? AND slot = ?'),
    delSlots: db.prepare('DELETE FROM storage WHERE address = ?'),
    delAccount: db.prepare('DELETE FROM accounts WHERE address = ?'),
  }
  const meta = (key: string) => q.meta.get(key)?.value

  return {
    /** The block the state is at; undefined when empty or when a load did not finish. */
    head(): StateHead | undefined {
      const number = meta('number')
      if (number === undefined || meta('loading')?.[0] === 1) return undefined
      return {
        chainId: BigInt(String(meta('chain_id'))),
        number: BigInt(number.toString()),
        hash: new Uint8Array(meta('hash') as Buffer),
        stateRoot: new Uint8Array(meta('state_root') as Buffer),
      }
    },

    /**
     * Loads a snapshot into an empty store (or over an unfinished load): every record checked as it streams
     * (readSnapshot), the tries built and their nodes written as they are made, the state root compared
     * with the header's before the head is written. Throws the snapshot's refusal code; the store then has
     * no head.
     */
    async loadSnapshot(path: string): Promise<LoadReport> {
      if (this.head() !== undefined)
        throw new ApiaryError(
          'APIARY_STATE_NOT_EMPTY',
          `${datadir} already holds a state: it resumes from it`,
          {
            usage: true,
          },
        )
      db.exec(
        'DELETE FROM meta; DELETE FROM nodes; DELETE FROM accounts; DELETE FROM code; DELETE FROM storage;',
      )
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
            const address = Buffer.from(event.address)
            const storage = createTrieRoot({ onNode: putNode })
            for (const [slot, value] of event.storage) {
              storage.add(keccak_256(slot), slotLeaf(value))
              q.putSlot.run(
                address,
                Buffer.from(slot),
                Buffer.from(value.toString(16).padStart(64, '0'), 'hex'),
              )
            }
            const storageRoot = event.storage.length === 0 ? EMPTY_TRIE_ROOT : storage.root()
            q.putAccount.run(
              address,
              event.nonce.toString(),
              event.balance.toString(),
              Buffer.from(event.codeHash),
              Buffer.from(storageRoot),
            )
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
                `the snapshot's contents give the state root 0x${Buffer.from(root).toString('hex')}; its header says 0x${Buffer.from(h.stateRoot).toString('hex')}`,
                { usage: true },
              )
            q.setMeta.run('chain_id', Buffer.from(h.chainId.toString()))
            q.setMeta.run('number', Buffer.from(h.number.toString()))
            q.setMeta.run('hash', Buffer.from(h.hash))
            q.setMeta.run('state_root', Buffer.from(h.stateRoot))
            q.setMeta.run('loading', Buffer.of(0))
            db.exec('COMMIT')
            return {
              head: this.head() as StateHead,
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
     * and the state root the store computes after it must be the block's. Flat tables and the head change
     * in one transaction, only when the root matches; a refused diff leaves the store at its head (trie
     * nodes written meanwhile are content-addressed and harmless). Codes: APIARY_STATE_GAP,
     * APIARY_STATE_WRONG_PARENT, APIARY_STATE_ROOT_MISMATCH.
     */
    async applyDiff(diff: StateDiff): Promise<StateHead> {
      const head = this.head()
      if (head === undefined)
        throw new ApiaryError('APIARY_STATE_EMPTY', 'the store holds no state: load a snapshot first')
      if (diff.number !== head.number + 1n)
        throw new ApiaryError(
          'APIARY_STATE_GAP',
          `the store is at block ${head.number}; a diff of block ${diff.number} does not follow it`,
        )
      if (diff.parentHash.toLowerCase() !== `0x${Buffer.from(head.hash).toString('hex')}`)
        throw new ApiaryError(
          'APIARY_STATE_WRONG_PARENT',
          `block ${diff.number}'s parent ${diff.parentHash} is not the store's head 0x${Buffer.from(head.hash).toString('hex')}`,
        )
      const open = (root: Uint8Array) =>
        new MerklePatriciaTrie({
          db: this.trieDb(),
          root,
          useKeyHashing: true,
          valueEncoding: ValueEncoding.Bytes,
        })
      const state = open(head.stateRoot)
      const rows: (() => void)[] = []
      for (const [hexAddress, after] of diff.accounts) {
        const address = Buffer.from(hexAddress.slice(2), 'hex')
        const before = this.account(address)
        const storage = open(before?.storageRoot ?? EMPTY_TRIE_ROOT)
        for (const [hexSlot, value] of after.storage) {
          const slot = Buffer.from(hexSlot.slice(2), 'hex')
          if (value === 0n) {
            await storage.del(slot)
            rows.push(() => q.delSlot.run(address, slot))
          } else {
            await storage.put(slot, slotLeaf(value))
            rows.push(() =>
              q.putSlot.run(address, slot, Buffer.from(value.toString(16).padStart(64, '0'), 'hex')),
            )
          }
        }
        const storageRoot = storage.root()
        const codeHash = keccak_256(after.code)
        // EIP-161: an account without nonce, balance, code or storage does not exist.
        if (
          after.nonce === 0n &&
          after.balance === 0n &&
          after.code.length === 0 &&
          Buffer.from(storageRoot).equals(EMPTY_TRIE_ROOT)
        ) {
          await state.del(address)
          rows.push(() => {
            q.delAccount.run(address)
            q.delSlots.run(address)
          })
          continue
        }
        const account = { nonce: after.nonce, balance: after.balance, codeHash, storageRoot }
        await state.put(address, accountLeaf({ ...account, address, storage: [] }, storageRoot))
        rows.push(() => {
          if (after.code.length > 0) q.putCode.run(Buffer.from(codeHash), Buffer.from(after.code))
          q.putAccount.run(
            address,
            account.nonce.toString(),
            account.balance.toString(),
            Buffer.from(codeHash),
            Buffer.from(storageRoot),
          )
        })
      }
      const root = state.root()
      if (`0x${Buffer.from(root).toString('hex')}` !== diff.stateRoot.toLowerCase())
        throw new ApiaryError(
          'APIARY_STATE_ROOT_MISMATCH',
          `after block ${diff.number} the store's state root is 0x${Buffer.from(root).toString('hex')}; the block's is ${diff.stateRoot}`,
        )
      db.transaction(() => {
        for (const row of rows) row()
        q.setMeta.run('number', Buffer.from(diff.number.toString()))
        q.setMeta.run('hash', Buffer.from(diff.hash.slice(2), 'hex'))
        q.setMeta.run('state_root', Buffer.from(root))
      })()
      return this.head() as StateHead
    },

    account(address: Uint8Array): StoredAccount | undefined {
      const row = q.account.get(Buffer.from(address))
      return row === undefined
        ? undefined
        : {
            nonce: BigInt(row.nonce),
            balance: BigInt(row.balance),
            codeHash: new Uint8Array(row.code_hash),
            storageRoot: new Uint8Array(row.storage_root),
          }
    },

    code(codeHash: Uint8Array): Uint8Array | undefined {
      const row = q.code.get(Buffer.from(codeHash))
      return row === undefined ? undefined : new Uint8Array(row.code)
    },

    /** A slot's value (0 when absent). */
    storage(address: Uint8Array, slot: Uint8Array): bigint {
      const row = q.slot.get(Buffer.from(address), Buffer.from(slot))
      return row === undefined ? 0n : BigInt(`0x${row.value.toString('hex')}`)
    },

    /** The trie nodes as @ethereumjs/mpt's database (keys unprefixed hex, values bytes). */
    trieDb(): DB<string, string | Uint8Array> {
      const trie: DB<string, string | Uint8Array> = {
        get: async (key) => {
          const row = q.node.get(Buffer.from(key, 'hex'))
          return row === undefined ? undefined : new Uint8Array(row.rlp)
        },
        put: async (key, value) =>
          void q.putNode.run(Buffer.from(key, 'hex'), Buffer.from(value as Uint8Array)),
        // Nodes are content-addressed and shared between tries: never deleted here (pruning is separate).
        del: async () => {},
        batch: async (ops: BatchDBOp<string, string | Uint8Array>[]) => {
          db.transaction(() => {
            for (const op of ops)
              if (op.type === 'put')
                q.putNode.run(Buffer.from(op.key, 'hex'), Buffer.from(op.value as Uint8Array))
          })()
        },
        shallowCopy: () => trie,
        open: async () => {},
      }
      return trie
    },

    close(): void {
      db.close()
    },
  }
}

export type StateStore = ReturnType<typeof openStateStore>
