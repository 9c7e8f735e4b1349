import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { createZstdDecompress } from 'node:zlib'
import { RLP } from '@ethereumjs/rlp'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { ApiaryError, type ApiaryErrorCode } from '../internal/errors.ts'
import {
  EMPTY_CODE_HASH,
  MAX_CODE_BYTES,
  MAX_HEADER_BYTES,
  RECORD,
  SNAPSHOT_END_MAGIC,
  SNAPSHOT_MAGIC,
  SNAPSHOT_VERSION,
  type SnapshotAccount,
  type SnapshotHeader,
  TRAILER_BYTES,
} from './snapshotFormat.ts'

export type SnapshotEvent =
  | ({ kind: 'header' } & SnapshotHeader)
  /** A code, before the first account that uses it. */
  | { kind: 'code'; codeHash: Uint8Array; code: Uint8Array }
  | ({ kind: 'account' } & SnapshotAccount)
  | { kind: 'end'; accounts: number; codes: number; slots: number; digest: Uint8Array }

const fail = (code: ApiaryErrorCode, message: string): never => {
  throw new ApiaryError(code, message, { usage: true })
}

/** Pulls exact byte counts out of a stream of chunks, hashing what it hands out. */
function byteReader(chunks: AsyncIterator<Buffer>) {
  let buffer: Buffer = Buffer.alloc(0)
  let ended = false
  const digest = createHash('sha256')
  const fill = async (n: number) => {
    while (buffer.length < n && !ended) {
      let next: IteratorResult<Buffer>
      try {
        next = await chunks.next()
      } catch (cause) {
        throw new ApiaryError(
          'APIARY_SNAPSHOT_UNREADABLE',
          `cannot read it as a Zstandard stream: ${(cause as Error).message}`,
          {
            cause,
            usage: true,
          },
        )
      }
      if (next.done) ended = true
      else buffer = buffer.length === 0 ? next.value : Buffer.concat([buffer, next.value])
    }
    return buffer.length >= n
  }
  return {
    digest,
    /** `n` bytes, hashed unless `hashed` is false; TRUNCATED when the stream ends first. */
    async take(n: number, hashed = true): Promise<Buffer> {
      if (!(await fill(n))) fail('APIARY_SNAPSHOT_TRUNCATED', 'the snapshot ends before its trailer')
      const out = buffer.subarray(0, n)
      buffer = buffer.subarray(n)
      if (hashed) digest.update(out)
      return out
    },
    /** Whether anything is left. */
    async more(): Promise<boolean> {
      return fill(1)
    },
  }
}

const uint = (bytes: Buffer) => BigInt(`0x${bytes.toString('hex') || '0'}`)

/**
 * Reads a snapshot file as it streams (docs/spec/snapshot.md): the header, then each code and each account
 * with its storage, then the trailer's counts and digest — checking the layout, the order of accounts and
 * slots, the codes and the digest on the way, and throwing the first failure with its code. It does not
 * compute the state root (verifySnapshot and the loader do, from the accounts it gives). Memory holds one
 * account's storage at a time.
 */
export async function* readSnapshot(path: string): AsyncGenerator<SnapshotEvent> {
  const file = createReadStream(path)
  const zstd = createZstdDecompress()
  file.on('error', (error) => zstd.destroy(error))
  const r = byteReader(file.pipe(zstd)[Symbol.asyncIterator]())
  try {
    if (!(await r.take(8)).equals(SNAPSHOT_MAGIC)) fail('APIARY_SNAPSHOT_MAGIC', 'not an Apiary snapshot')
    const version = Number(uint(await r.take(2)))
    if (version !== SNAPSHOT_VERSION)
      fail('APIARY_SNAPSHOT_VERSION', `snapshot version ${version}, expected 1`)
    const chainId = uint(await r.take(8))
    const headerLength = Number(uint(await r.take(4)))
    if (headerLength > MAX_HEADER_BYTES)
      fail('APIARY_SNAPSHOT_HEADER_INVALID', `a header of ${headerLength} bytes`)
    const header = new Uint8Array(await r.take(headerLength))
    yield { kind: 'header', chainId, header, ...headerFields(header) }

    const codes = new Set<string>()
    const used = new Set<string>()
    const counts = { accounts: 0, codes: 0, slots: 0 }
    let previous: Buffer | undefined
    for (;;) {
      const type = (await r.take(1))[0]
      if (type === RECORD.end) break
      if (type === RECORD.code) {
        const codeHash = await r.take(32)
        const length = Number(uint(await r.take(4)))
        if (length > MAX_CODE_BYTES) fail('APIARY_SNAPSHOT_RECORD_INVALID', `a code of ${length} bytes`)
        const code = new Uint8Array(await r.take(length))
        const key = codeHash.toString('hex')
        if (!Buffer.from(keccak_256(code)).equals(codeHash) || codeHash.equals(EMPTY_CODE_HASH))
          fail('APIARY_SNAPSHOT_RECORD_INVALID', `code 0x${key} does not hash to its hash`)
        if (codes.has(key)) fail('APIARY_SNAPSHOT_ORDER', `code 0x${key} is given twice`)
        codes.add(key)
        counts.codes++
        yield { kind: 'code', codeHash: new Uint8Array(codeHash), code }
        continue
      }
      if (type === RECORD.storage)
        fail('APIARY_SNAPSHOT_RECORD_INVALID', 'a storage record that follows no account of its own')
      if (type !== RECORD.account) fail('APIARY_SNAPSHOT_RECORD_INVALID', `unknown record type ${type}`)
      const address = new Uint8Array(await r.take(20))
      const hashed = Buffer.from(keccak_256(address))
      if (previous !== undefined && Buffer.compare(previous, hashed) >= 0)
        fail('APIARY_SNAPSHOT_ORDER', `account 0x${Buffer.from(address).toString('hex')} is out of order`)
      previous = hashed
      const nonce = uint(await r.take(8))
      const balance = uint(await r.take(32))
      const codeHash = await r.take(32)
      if (!codeHash.equals(EMPTY_CODE_HASH)) {
        if (!codes.has(codeHash.toString('hex')))
          fail(
            'APIARY_SNAPSHOT_CODE_MISSING',
            `code 0x${codeHash.toString('hex')} comes after its first account`,
          )
        used.add(codeHash.toString('hex'))
      }
      const slotCount = Number(uint(await r.take(4)))
      const storage: [Uint8Array, bigint][] = []
      let previousSlot: Buffer | undefined
      for (let i = 0; i < slotCount; i++) {
        if ((await r.take(1))[0] !== RECORD.storage)
          fail('APIARY_SNAPSHOT_RECORD_INVALID', 'an account is followed by fewer slots than it counts')
        const slot = new Uint8Array(await r.take(32))
        const value = uint(await r.take(32))
        if (value === 0n) fail('APIARY_SNAPSHOT_RECORD_INVALID', 'a storage value of zero')
        const hashedSlot = Buffer.from(keccak_256(slot))
        if (previousSlot !== undefined && Buffer.compare(previousSlot, hashedSlot) >= 0)
          fail('APIARY_SNAPSHOT_ORDER', `a slot of 0x${Buffer.from(address).toString('hex')} is out of order`)
        previousSlot = hashedSlot
        storage.push([slot, value])
      }
      counts.accounts++
      counts.slots += slotCount
      yield { kind: 'account', address, nonce, balance, codeHash: new Uint8Array(codeHash), storage }
    }
    const unused = [...codes].find((c) => !used.has(c))
    if (unused !== undefined) fail('APIARY_SNAPSHOT_CODE_MISSING', `code 0x${unused} is used by no account`)
    const digest = r.digest.digest()
    const trailer = await r.take(TRAILER_BYTES, false)
    const stated = {
      accounts: Number(uint(trailer.subarray(0, 8))),
      codes: Number(uint(trailer.subarray(8, 16))),
      slots: Number(uint(trailer.subarray(16, 24))),
    }
    if (!trailer.subarray(24, 56).equals(digest) || !trailer.subarray(56).equals(SNAPSHOT_END_MAGIC))
      fail('APIARY_SNAPSHOT_DIGEST_MISMATCH', 'the trailer’s digest or end magic is not the snapshot’s')
    if (stated.accounts !== counts.accounts || stated.codes !== counts.codes || stated.slots !== counts.slots)
      fail(
        'APIARY_SNAPSHOT_COUNTS_MISMATCH',
        `the trailer counts ${stated.accounts} accounts, ${stated.codes} codes and ${stated.slots} slots; the snapshot has ${counts.accounts}, ${counts.codes} and ${counts.slots}`,
      )
    if (await r.more()) fail('APIARY_SNAPSHOT_TRAILING_DATA', 'bytes follow the trailer')
    yield { kind: 'end', ...counts, digest: new Uint8Array(digest) }
  } finally {
    file.destroy()
    zstd.destroy()
  }
}

/** The block number, hash and state root of a header's RLP. */
function headerFields(header: Uint8Array): Omit<SnapshotHeader, 'chainId' | 'header'> {
  let fields: unknown
  try {
    fields = RLP.decode(header)
  } catch {
    fields = undefined
  }
  const list = Array.isArray(fields) ? (fields as unknown[]) : []
  const stateRoot = list[3]
  const number = list[8]
  if (
    list.length < 15 ||
    list.length > 21 ||
    !(stateRoot instanceof Uint8Array) ||
    stateRoot.length !== 32 ||
    !(number instanceof Uint8Array)
  )
    return fail('APIARY_SNAPSHOT_HEADER_INVALID', 'the header is not the RLP of a block header')
  return { number: uint(Buffer.from(number)), hash: keccak_256(header), stateRoot }
}
