import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import { ApiaryError } from '../../internal/errors.ts'

export interface InboxRow {
  id: string
  tx_hash: string
  block_number: number
  log_index: number
  sender: string
  payload: string
}

export interface OutboxRow {
  seq: number
  in_reply_to: string
  recipient: string
  type: string
  payload: string
  nonce: number | null
  raw_tx: string | null
  tx_hash: string | null
}

export interface Inbox {
  cursor(): { block: number; hash: string } | undefined
  /** Records newly read messages and moves the cursor, in one transaction; returns how many were new. */
  record(messages: InboxRow[], cursor: { block: number; hash: string }): number
  /** Messages read but not yet dispatched, in chain order. */
  received(): InboxRow[]
  /** Marks a message handled and queues its replies, in one transaction. */
  handled(
    id: string,
    txHash: string,
    result: { replies: Omit<OutboxRow, 'seq' | 'nonce' | 'raw_tx' | 'tx_hash'>[] },
  ): void
  rejected(id: string, txHash: string, rejection: { code: string; message: string }): void
  /** Replies not yet mined. */
  pending(): OutboxRow[]
  /** The signed transaction of a reply, stored before it is broadcast. */
  signed(seq: number, tx: { nonce: number; raw: string; hash: string }): void
  /** Forgets a signature whose nonce another transaction took, so the reply is signed again. */
  unsigned(seq: number): void
  sent(seq: number, messageId: string): void
  counts(): Record<'received' | 'handled' | 'rejected' | 'failed' | 'replied' | 'pending', number>
  /** Replies queued so far: to messages of `txHash`, to `recipient` since `hourAgo`, to anyone since `dayAgo`. */
  replyCounts(params: { txHash: string; recipient: string; hourAgo: number; dayAgo: number }): {
    sameTransaction: number
    senderLastHour: number
    lastDay: number
  }
  close(): void
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS inbox (
  id TEXT NOT NULL, tx_hash TEXT NOT NULL, block_number INTEGER NOT NULL, log_index INTEGER NOT NULL,
  sender TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL, code TEXT, detail TEXT,
  read_at INTEGER NOT NULL, handled_at INTEGER, PRIMARY KEY (id, tx_hash));
CREATE INDEX IF NOT EXISTS inbox_status ON inbox (status, block_number, log_index);
CREATE TABLE IF NOT EXISTS outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, in_reply_to TEXT NOT NULL, recipient TEXT NOT NULL, type TEXT NOT NULL,
  payload TEXT NOT NULL, nonce INTEGER, raw_tx TEXT, tx_hash TEXT, message_id TEXT, status TEXT NOT NULL,
  created_at INTEGER NOT NULL, sent_at INTEGER);
`

/**
 * The messenger's SQLite file: cursor, every message read (with what became of it) and the outbox of replies.
 * WAL with synchronous=FULL, so a committed write survives a crash at any instant (docs/spec/message.md#messenger).
 */
export function openInbox(path: string, now: () => number = Date.now): Inbox {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  let db: SQLite.Database
  try {
    db = new SQLite(path)
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.exec(SCHEMA)
  } catch (cause) {
    throw new ApiaryError('APIARY_STORE_UNOPENABLE', `cannot open the messenger's database ${path}`, {
      cause,
      usage: true,
    })
  }
  const getMeta = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?')
  const setMeta = db.prepare(
    'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  )
  const insert = db.prepare(
    `INSERT OR IGNORE INTO inbox (id, tx_hash, block_number, log_index, sender, payload, status, read_at)
     VALUES (@id, @tx_hash, @block_number, @log_index, @sender, @payload, 'received', @read_at)`,
  )
  const finish = db.prepare(
    'UPDATE inbox SET status = @status, code = @code, detail = @detail, handled_at = @at WHERE id = @id AND tx_hash = @tx_hash',
  )
  const queue = db.prepare(
    `INSERT INTO outbox (in_reply_to, recipient, type, payload, status, created_at)
     VALUES (@in_reply_to, @recipient, @type, @payload, 'pending', @at)`,
  )
  const record = db.transaction((messages: InboxRow[], cursor: { block: number; hash: string }) => {
    let added = 0
    for (const m of messages) added += insert.run({ ...m, read_at: now() }).changes
    setMeta.run('cursor', JSON.stringify(cursor))
    return added
  })
  const handled = db.transaction(
    (
      id: string,
      txHash: string,
      { replies }: { replies: Omit<OutboxRow, 'seq' | 'nonce' | 'raw_tx' | 'tx_hash'>[] },
    ) => {
      for (const reply of replies) queue.run({ ...reply, at: now() })
      finish.run({ id, tx_hash: txHash, status: 'handled', code: null, detail: null, at: now() })
    },
  )
  return {
    cursor() {
      const row = getMeta.get('cursor')
      return row === undefined ? undefined : JSON.parse(row.value)
    },
    record,
    received: () =>
      db
        .prepare<[], InboxRow>(
          "SELECT id, tx_hash, block_number, log_index, sender, payload FROM inbox WHERE status = 'received' ORDER BY block_number, log_index",
        )
        .all(),
    handled,
    replyCounts({ txHash, recipient, hourAgo, dayAgo }) {
      return db
        .prepare<
          [string, string, number, number],
          { sameTransaction: number; senderLastHour: number; lastDay: number }
        >(
          `SELECT (SELECT COUNT(*) FROM outbox o JOIN inbox i ON i.id = o.in_reply_to WHERE i.tx_hash = ?) AS sameTransaction,
           (SELECT COUNT(*) FROM outbox WHERE recipient = ? AND created_at >= ?) AS senderLastHour,
           (SELECT COUNT(*) FROM outbox WHERE created_at >= ?) AS lastDay`,
        )
        .get(txHash, recipient, hourAgo, dayAgo) as {
        sameTransaction: number
        senderLastHour: number
        lastDay: number
      }
    },
    rejected(id, txHash, { code, message }) {
      finish.run({
        id,
        tx_hash: txHash,
        status: code === 'HANDLER_FAILED' ? 'failed' : 'rejected',
        code,
        detail: message,
        at: now(),
      })
    },
    pending: () =>
      db
        .prepare<[], OutboxRow>(
          "SELECT seq, in_reply_to, recipient, type, payload, nonce, raw_tx, tx_hash FROM outbox WHERE status = 'pending' ORDER BY seq",
        )
        .all(),
    signed(seq, { nonce, raw, hash }) {
      db.prepare('UPDATE outbox SET nonce = ?, raw_tx = ?, tx_hash = ? WHERE seq = ?').run(
        nonce,
        raw,
        hash,
        seq,
      )
    },
    unsigned(seq) {
      db.prepare('UPDATE outbox SET nonce = NULL, raw_tx = NULL, tx_hash = NULL WHERE seq = ?').run(seq)
    },
    sent(seq, messageId) {
      db.prepare("UPDATE outbox SET status = 'sent', message_id = ?, sent_at = ? WHERE seq = ?").run(
        messageId,
        now(),
        seq,
      )
    },
    counts() {
      const inbox = Object.fromEntries(
        db
          .prepare<[], { status: string; n: number }>(
            'SELECT status, count(*) AS n FROM inbox GROUP BY status',
          )
          .all()
          .map((r) => [r.status, r.n]),
      )
      const outbox = Object.fromEntries(
        db
          .prepare<[], { status: string; n: number }>(
            'SELECT status, count(*) AS n FROM outbox GROUP BY status',
          )
          .all()
          .map((r) => [r.status, r.n]),
      )
      return {
        received: inbox.received ?? 0,
        handled: inbox.handled ?? 0,
        rejected: inbox.rejected ?? 0,
        failed: inbox.failed ?? 0,
        replied: outbox.sent ?? 0,
        pending: outbox.pending ?? 0,
      }
    },
    close: () => db.close(),
  }
}
