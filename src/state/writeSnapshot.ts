import { createHash } from 'node:crypto'
import { createWriteStream, renameSync, rmSync } from 'node:fs'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createZstdCompress } from 'node:zlib'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { ApiaryError } from '../internal/errors.ts'
import {
  EMPTY_CODE_HASH,
  MAX_CODE_BYTES,
  RECORD,
  SNAPSHOT_END_MAGIC,
  SNAPSHOT_MAGIC,
  SNAPSHOT_VERSION,
} from './snapshotFormat.ts'

/** One account as the writer takes it: its code, and its slots in any order (zero values are dropped). */
export interface SnapshotSourceAccount {
  address: Uint8Array
  nonce: bigint
  balance: bigint
  code: Uint8Array
  storage: Iterable<[slot: Uint8Array, value: bigint]>
}

export interface WriteSnapshotParameters {
  /** Where to write; the file appears only once complete (written to a temporary name, then renamed). */
  path: string
  chainId: bigint
  /** The block header's RLP. */
  header: Uint8Array
  /** Every account of the state, in strictly increasing keccak256(address) order. */
  accounts: AsyncIterable<SnapshotSourceAccount> | Iterable<SnapshotSourceAccount>
}

export interface SnapshotCounts {
  accounts: number
  codes: number
  slots: number
  /** SHA-256 of the uncompressed bytes before the trailer. */
  digest: Uint8Array
}

/** `value` as `bytes` big-endian bytes. */
const u = (bytes: number, value: bigint | number) => {
  const hex = value.toString(16)
  if (value < 0 || hex.length > bytes * 2) throw new RangeError(`${value} does not fit in ${bytes} bytes`)
  return Buffer.from(hex.padStart(bytes * 2, '0'), 'hex')
}

/**
 * Writes a state snapshot (docs/spec/snapshot.md): the header, every account with its code (once per code)
 * and its storage in trie order, the trailer; Zstandard-compressed as it streams, so memory holds one
 * account at a time. Refuses accounts out of order (a snapshot it writes always reads back).
 */
export async function writeSnapshot(p: WriteSnapshotParameters): Promise<SnapshotCounts> {
  const digest = createHash('sha256')
  const counts = { accounts: 0, codes: 0, slots: 0 }
  async function* bytes(): AsyncGenerator<Buffer> {
    const emit = (chunk: Buffer) => {
      digest.update(chunk)
      return chunk
    }
    yield emit(
      Buffer.concat([
        SNAPSHOT_MAGIC,
        u(2, SNAPSHOT_VERSION),
        u(8, p.chainId),
        u(4, p.header.length),
        p.header,
      ]),
    )
    const codes = new Set<string>()
    let previous: Buffer | undefined
    for await (const account of p.accounts) {
      const hashed = Buffer.from(keccak_256(account.address))
      if (account.address.length !== 20 || (previous !== undefined && Buffer.compare(previous, hashed) >= 0))
        throw new ApiaryError(
          'APIARY_SNAPSHOT_ORDER',
          'accounts must be 20-byte addresses in strictly increasing keccak256(address) order',
        )
      previous = hashed
      if (account.code.length > MAX_CODE_BYTES)
        throw new ApiaryError('APIARY_SNAPSHOT_RECORD_INVALID', `code of ${account.code.length} bytes`)
      const codeHash = Buffer.from(keccak_256(account.code))
      if (!codeHash.equals(EMPTY_CODE_HASH) && !codes.has(codeHash.toString('hex'))) {
        codes.add(codeHash.toString('hex'))
        counts.codes++
        yield emit(Buffer.concat([Buffer.of(RECORD.code), codeHash, u(4, account.code.length), account.code]))
      }
      const storage = [...account.storage]
      if (storage.some(([slot]) => slot.length !== 32))
        throw new ApiaryError('APIARY_SNAPSHOT_RECORD_INVALID', 'a storage slot is not 32 bytes')
      const slots = storage
        .filter(([, value]) => value !== 0n)
        .map(([slot, value]) => ({ slot, value, key: Buffer.from(keccak_256(slot)) }))
        .sort((a, b) => Buffer.compare(a.key, b.key))
      counts.accounts++
      yield emit(
        Buffer.concat([
          Buffer.of(RECORD.account),
          account.address,
          u(8, account.nonce),
          u(32, account.balance),
          codeHash,
          u(4, slots.length),
        ]),
      )
      for (let i = 0; i < slots.length; i += 1024) {
        const page = slots.slice(i, i + 1024)
        counts.slots += page.length
        yield emit(
          Buffer.concat(page.flatMap(({ slot, value }) => [Buffer.of(RECORD.storage), slot, u(32, value)])),
        )
      }
    }
    yield emit(Buffer.of(RECORD.end))
    const sum = digest.digest()
    yield Buffer.concat([
      u(8, counts.accounts),
      u(8, counts.codes),
      u(8, counts.slots),
      sum,
      SNAPSHOT_END_MAGIC,
    ])
    result = sum
  }
  let result: Buffer | undefined
  const temporary = `${p.path}.partial`
  try {
    await pipeline(
      Readable.from(bytes()),
      createZstdCompress(),
      createWriteStream(temporary, { flush: true }),
    )
  } catch (error) {
    rmSync(temporary, { force: true })
    throw error
  }
  renameSync(temporary, p.path)
  return { ...counts, digest: new Uint8Array(result as Buffer) }
}
