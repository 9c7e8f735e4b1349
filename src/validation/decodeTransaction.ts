import { RLP } from '@ethereumjs/rlp'
import { bigIntToBytes, bytesToBigInt, concatBytes } from './bytes.ts'
import { ValidationFailure } from './failure.ts'
import { blobParameters, type Fork, forkAtLeast } from './forks.ts'
import type {
  AccessListEntry,
  Authorization,
  BlobWrapper,
  DecodedTransaction,
  TransactionFields,
  TransactionType,
} from './transaction.ts'

type RlpItem = Uint8Array | RlpItem[]

const MAX_UINT64 = (1n << 64n) - 1n
const MAX_UINT256 = (1n << 256n) - 1n
/** Anything bigger is refused before decoding: a block's worth of calldata plus a wrapper with 9 blobs. */
export const MAX_TRANSACTION_BYTES = 4 * 1024 * 1024

const FIELD_COUNTS: Record<TransactionType, number> = { 0: 9, 1: 11, 2: 12, 3: 14, 4: 13 }
const TYPE_FORK: Record<TransactionType, Fork> = {
  0: 'frontier',
  1: 'berlin',
  2: 'london',
  3: 'cancun',
  4: 'prague',
}

export interface DecodeTransactionParameters {
  raw: Uint8Array
  /** Decides which transaction types exist; default: every type. */
  fork?: Fork | undefined
}

/**
 * Strictly decodes a signed transaction: legacy, EIP-2930, EIP-1559, EIP-4844 (canonical and network form)
 * and EIP-7702. Throws `ValidationFailure` with a stable code for every malformed input. It checks shape and
 * ranges only; signatures are checked by `validateEnvelope`.
 */
export function decodeTransaction({ raw, fork }: DecodeTransactionParameters): DecodedTransaction {
  if (raw.length === 0) throw new ValidationFailure('TX_EMPTY', 'the transaction holds no bytes')
  if (raw.length > MAX_TRANSACTION_BYTES) {
    throw new ValidationFailure('TX_TOO_LARGE', `the transaction has ${raw.length} bytes`, {
      max: MAX_TRANSACTION_BYTES,
    })
  }
  const first = raw[0] as number
  if (first >= 0xc0) return decodeTyped(0, raw, raw, fork)
  if (first >= 0x80) {
    throw new ValidationFailure('RLP_EXPECTED_LIST', 'a legacy transaction must be an RLP list', {
      firstByte: first,
    })
  }
  if (first < 1 || first > 4) {
    throw new ValidationFailure('TX_TYPE_UNSUPPORTED', `transaction type ${first} is not supported`, {
      type: first,
    })
  }
  return decodeTyped(first as TransactionType, raw.subarray(1), raw, fork)
}

function decodeTyped(
  type: TransactionType,
  payload: Uint8Array,
  raw: Uint8Array,
  fork: Fork | undefined,
): DecodedTransaction {
  if (fork !== undefined && !forkAtLeast(fork, TYPE_FORK[type])) {
    throw new ValidationFailure('TX_TYPE_UNSUPPORTED', `transaction type ${type} is not active in ${fork}`, {
      type,
      fork,
      activeFrom: TYPE_FORK[type],
    })
  }
  let fields = asList(decodeRlp(payload), 'transaction')
  let canonical = raw
  let blobWrapper: BlobWrapper | undefined
  if (type === 3 && Array.isArray(fields[0])) {
    const unwrapped = unwrapBlobTransaction(fields)
    fields = unwrapped.fields
    blobWrapper = unwrapped.wrapper
    canonical = concatBytes(Uint8Array.of(3), RLP.encode(fields))
  }
  const expected = FIELD_COUNTS[type]
  if (fields.length !== expected) {
    throw new ValidationFailure(
      'TX_FIELD_COUNT',
      `a type-${type} transaction has ${expected} fields, this one has ${fields.length}`,
      { type, expected, actual: fields.length },
    )
  }
  const f = new FieldReader(fields)
  const tx = type === 0 ? readLegacy(f) : readTypedBody(type, f)
  tx.signingPayload = signingPayload(canonical, type, fields, tx.chainId)
  tx.canonical = canonical
  tx.blobWrapper = blobWrapper
  checkTypeRules(tx, fork)
  return tx
}

function readLegacy(f: FieldReader): DecodedTransaction {
  const nonce = f.nonce('nonce')
  const gasPrice = f.uint('gasPrice', 32)
  const gasLimit = f.gasLimit('gasLimit')
  const to = f.to('to', true)
  const value = f.uint('value', 32)
  const data = f.bytes('data')
  const v = f.uint('v', 32)
  const r = f.uint('r', 32)
  const s = f.uint('s', 32)
  let chainId: bigint | undefined
  if (v === 27n || v === 28n) chainId = undefined
  else if (v >= 35n) chainId = (v - 35n) >> 1n
  else
    throw new ValidationFailure('TX_SIGNATURE_V_INVALID', `legacy v must be 27, 28 or ≥ 35, got ${v}`, { v })
  return base({
    type: 0,
    chainId,
    nonce,
    maxFeePerGas: gasPrice,
    maxPriorityFeePerGas: gasPrice,
    gasLimit,
    to,
    value,
    data,
    v,
    r,
    s,
  })
}

function readTypedBody(type: TransactionType, f: FieldReader): DecodedTransaction {
  const chainId = f.uint('chainId', 32)
  const nonce = f.nonce('nonce')
  let maxPriorityFeePerGas: bigint
  let maxFeePerGas: bigint
  if (type === 1) {
    maxFeePerGas = f.uint('gasPrice', 32)
    maxPriorityFeePerGas = maxFeePerGas
  } else {
    maxPriorityFeePerGas = f.uint('maxPriorityFeePerGas', 32)
    maxFeePerGas = f.uint('maxFeePerGas', 32)
  }
  const gasLimit = f.gasLimit('gasLimit')
  const to = f.to('to', type <= 2)
  const value = f.uint('value', 32)
  const data = f.bytes('data')
  const accessList = f.accessList('accessList')
  const tx = base({
    type,
    chainId,
    nonce,
    maxFeePerGas,
    maxPriorityFeePerGas,
    gasLimit,
    to,
    value,
    data,
    accessList,
  })
  if (type === 3) {
    tx.maxFeePerBlobGas = f.uint('maxFeePerBlobGas', 32)
    tx.blobVersionedHashes = f.list('blobVersionedHashes').map((item, i) => {
      const hash = expectBytes(item, `blobVersionedHashes[${i}]`)
      if (hash.length !== 32) {
        throw new ValidationFailure('TX_BLOB_VERSION_INVALID', `blob versioned hash ${i} is not 32 bytes`, {
          index: i,
          length: hash.length,
        })
      }
      return hash
    })
  }
  if (type === 4)
    tx.authorizationList = f.list('authorizationList').map((item, i) => readAuthorization(item, i))
  tx.v = f.yParity('yParity')
  tx.r = f.uint('r', 32)
  tx.s = f.uint('s', 32)
  return tx
}

function readAuthorization(item: RlpItem, index: number): Authorization {
  const where = `authorizationList[${index}]`
  if (!Array.isArray(item) || item.length !== 6) {
    throw new ValidationFailure('TX_AUTHORIZATION_INVALID', `${where} must be a list of 6 fields`, { index })
  }
  const f = new FieldReader(item, where, 'TX_AUTHORIZATION_INVALID')
  const chainId = f.uint('chainId', 32)
  const address = f.address('address')
  const nonce = f.uint('nonce', 8)
  const yParity = f.uint('yParity', 1)
  const r = f.uint('r', 32)
  const s = f.uint('s', 32)
  return { chainId, address, nonce, yParity, r, s }
}

function unwrapBlobTransaction(items: RlpItem[]): { fields: RlpItem[]; wrapper: BlobWrapper } {
  const invalid = (message: string): never => {
    throw new ValidationFailure('TX_BLOB_WRAPPER_INVALID', message)
  }
  let version: 0 | 1 = 0
  let rest: RlpItem[]
  if (items.length === 4) rest = items.slice(1)
  else if (items.length === 5) {
    const v = items[1]
    if (!(v instanceof Uint8Array) || v.length !== 1 || v[0] !== 1) invalid('unknown blob wrapper version')
    version = 1
    rest = items.slice(2)
  } else return invalid(`a network-form blob transaction has 4 or 5 parts, this one has ${items.length}`)
  const [blobs, commitments, proofs] = rest.map((part, i) => {
    if (!Array.isArray(part)) return invalid(`blob wrapper part ${i} must be a list`)
    return part.map((b) =>
      b instanceof Uint8Array ? b : invalid('blob wrapper entries must be byte strings'),
    )
  }) as [Uint8Array[], Uint8Array[], Uint8Array[]]
  return { fields: items[0] as RlpItem[], wrapper: { version, blobs, commitments, proofs } }
}

function checkTypeRules(tx: DecodedTransaction, fork: Fork | undefined): void {
  if (tx.gasLimit > 0n && tx.maxFeePerGas > MAX_UINT256 / tx.gasLimit) {
    throw new ValidationFailure('TX_FEE_PRODUCT_OVERFLOW', 'gas limit × max fee per gas overflows 256 bits')
  }
  if (tx.maxPriorityFeePerGas > tx.maxFeePerGas) {
    throw new ValidationFailure(
      'TX_PRIORITY_FEE_ABOVE_MAX_FEE',
      'max priority fee per gas is above max fee per gas',
      {
        maxPriorityFeePerGas: tx.maxPriorityFeePerGas.toString(),
        maxFeePerGas: tx.maxFeePerGas.toString(),
      },
    )
  }
  if (tx.type === 3) {
    if (tx.blobVersionedHashes.length === 0) {
      throw new ValidationFailure('TX_BLOB_HASHES_EMPTY', 'a blob transaction must carry at least one blob')
    }
    const limit = blobParameters(fork ?? 'prague')?.maxPerTx
    if (limit !== undefined && tx.blobVersionedHashes.length > limit) {
      throw new ValidationFailure(
        'TX_BLOB_COUNT_TOO_HIGH',
        `${tx.blobVersionedHashes.length} blobs, at most ${limit}`,
        {
          blobs: tx.blobVersionedHashes.length,
          max: limit,
        },
      )
    }
    tx.blobVersionedHashes.forEach((hash, index) => {
      if (hash[0] !== 0x01) {
        throw new ValidationFailure(
          'TX_BLOB_VERSION_INVALID',
          `blob versioned hash ${index} has version ${hash[0]}`,
          {
            index,
          },
        )
      }
    })
  }
  if (tx.type === 4 && tx.authorizationList.length === 0) {
    throw new ValidationFailure(
      'TX_AUTHORIZATION_LIST_EMPTY',
      'a set-code transaction must carry authorizations',
    )
  }
}

function base(
  fields: Partial<DecodedTransaction> &
    Omit<
      TransactionFields,
      'accessList' | 'maxFeePerBlobGas' | 'blobVersionedHashes' | 'authorizationList' | 'v' | 'r' | 's'
    >,
): DecodedTransaction {
  return {
    accessList: [],
    maxFeePerBlobGas: 0n,
    blobVersionedHashes: [],
    authorizationList: [],
    v: 0n,
    r: 0n,
    s: 0n,
    canonical: new Uint8Array(0),
    signingPayload: new Uint8Array(0),
    blobWrapper: undefined,
    ...fields,
  }
}

/**
 * The bytes the sender signed, cut from the canonical encoding rather than re-encoded: the field list
 * without v, r and s (for EIP-155, followed by chain id, 0, 0), under a new list header.
 */
function signingPayload(
  canonical: Uint8Array,
  type: TransactionType,
  fields: RlpItem[],
  chainId: bigint | undefined,
): Uint8Array {
  const list = type === 0 ? canonical : canonical.subarray(1)
  const first = list[0] as number
  const headerLength = first <= 0xf7 ? 1 : 1 + first - 0xf7
  const signature = fields.slice(-3).reduce((n, item) => n + encodedLength(item as Uint8Array), 0)
  let body = list.subarray(headerLength, list.length - signature)
  if (type === 0 && chainId !== undefined)
    body = concatBytes(body, RLP.encode(bigIntToBytes(chainId)), Uint8Array.of(0x80, 0x80))
  const header = listHeader(body.length)
  return type === 0 ? concatBytes(header, body) : concatBytes(Uint8Array.of(type), header, body)
}

function encodedLength(bytes: Uint8Array): number {
  if (bytes.length === 1 && (bytes[0] as number) < 0x80) return 1
  if (bytes.length <= 55) return 1 + bytes.length
  return 1 + Math.ceil(Math.log2(bytes.length + 1) / 8) + bytes.length
}

function listHeader(length: number): Uint8Array {
  if (length <= 55) return Uint8Array.of(0xc0 + length)
  const size: number[] = []
  for (let n = length; n > 0; n = Math.floor(n / 256)) size.unshift(n % 256)
  return Uint8Array.of(0xf7 + size.length, ...size)
}

export function decodeRlp(bytes: Uint8Array): RlpItem {
  try {
    return RLP.decode(bytes) as RlpItem
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    const nonCanonical = /single byte|extra zeros|greater than 55|list too short|leading zero/i.test(message)
    throw new ValidationFailure(
      nonCanonical ? 'RLP_NON_CANONICAL' : 'RLP_MALFORMED',
      `invalid RLP: ${message}`,
    )
  }
}

function asList(item: RlpItem, what: string): RlpItem[] {
  if (!Array.isArray(item))
    throw new ValidationFailure('RLP_EXPECTED_LIST', `the ${what} must be an RLP list`)
  return item
}

function expectBytes(item: RlpItem | undefined, field: string): Uint8Array {
  if (item instanceof Uint8Array) return item
  throw new ValidationFailure('RLP_EXPECTED_BYTES', `${field} must be a byte string, not a list`, { field })
}

class FieldReader {
  #items: RlpItem[]
  #index = 0
  #prefix: string
  #code: 'TX_AUTHORIZATION_INVALID' | undefined

  constructor(items: RlpItem[], prefix = '', code?: 'TX_AUTHORIZATION_INVALID') {
    this.#items = items
    this.#prefix = prefix === '' ? '' : `${prefix}.`
    this.#code = code
  }

  #next(field: string): { item: RlpItem | undefined; name: string } {
    return { item: this.#items[this.#index++], name: this.#prefix + field }
  }

  #fail(code: Parameters<typeof failure>[0], message: string, details: Record<string, unknown>): never {
    throw failure(this.#code ?? code, message, details)
  }

  bytes(field: string): Uint8Array {
    const { item, name } = this.#next(field)
    return expectBytes(item, name)
  }

  uint(field: string, maxBytes: number): bigint {
    const { item, name } = this.#next(field)
    const bytes = expectBytes(item, name)
    if (bytes.length > 0 && bytes[0] === 0) {
      this.#fail('TX_INTEGER_LEADING_ZEROS', `${name} has leading zero bytes`, { field: name })
    }
    if (bytes.length > maxBytes) {
      this.#fail('TX_INTEGER_TOO_LARGE', `${name} is ${bytes.length} bytes, at most ${maxBytes}`, {
        field: name,
        maxBytes,
      })
    }
    return bytesToBigInt(bytes)
  }

  nonce(field: string): bigint {
    const { item, name } = this.#next(field)
    const bytes = expectBytes(item, name)
    if (bytes.length > 0 && bytes[0] === 0) {
      this.#fail('TX_INTEGER_LEADING_ZEROS', `${name} has leading zero bytes`, { field: name })
    }
    const value = bytes.length > 8 ? MAX_UINT64 + 1n : bytesToBigInt(bytes)
    if (value >= MAX_UINT64) {
      this.#fail('TX_NONCE_TOO_LARGE', 'the nonce must be below 2^64-1 (EIP-2681)', { field: name })
    }
    return value
  }

  gasLimit(field: string): bigint {
    const { item, name } = this.#next(field)
    const bytes = expectBytes(item, name)
    if (bytes.length > 0 && bytes[0] === 0) {
      this.#fail('TX_INTEGER_LEADING_ZEROS', `${name} has leading zero bytes`, { field: name })
    }
    if (bytes.length > 8) this.#fail('TX_GAS_LIMIT_TOO_LARGE', 'the gas limit does not fit in 64 bits', {})
    return bytesToBigInt(bytes)
  }

  yParity(field: string): bigint {
    const { item, name } = this.#next(field)
    const bytes = expectBytes(item, name)
    if (bytes.length === 0) return 0n
    if (bytes.length === 1 && bytes[0] === 1) return 1n
    if (bytes[0] === 0)
      this.#fail('TX_INTEGER_LEADING_ZEROS', `${name} has leading zero bytes`, { field: name })
    return this.#fail('TX_SIGNATURE_V_INVALID', `${name} must be 0 or 1`, { field: name })
  }

  address(field: string): Uint8Array {
    const { item, name } = this.#next(field)
    const bytes = expectBytes(item, name)
    if (bytes.length !== 20) {
      this.#fail('TX_ADDRESS_INVALID', `${name} is ${bytes.length} bytes, not 20`, {
        field: name,
        length: bytes.length,
      })
    }
    return bytes
  }

  to(field: string, createAllowed: boolean): Uint8Array | undefined {
    const { item, name } = this.#next(field)
    const bytes = expectBytes(item, name)
    if (bytes.length === 0) {
      if (!createAllowed)
        this.#fail('TX_CREATE_NOT_ALLOWED', 'this transaction type must have a recipient', {})
      return undefined
    }
    if (bytes.length !== 20) {
      this.#fail('TX_ADDRESS_INVALID', `${name} is ${bytes.length} bytes, not 20`, {
        field: name,
        length: bytes.length,
      })
    }
    return bytes
  }

  list(field: string): RlpItem[] {
    const { item, name } = this.#next(field)
    if (!Array.isArray(item)) this.#fail('RLP_EXPECTED_LIST', `${name} must be a list`, { field: name })
    return item as RlpItem[]
  }

  accessList(field: string): AccessListEntry[] {
    return this.list(field).map((entry, i) => {
      const where = `${field}[${i}]`
      if (!Array.isArray(entry) || entry.length !== 2) {
        throw new ValidationFailure('TX_ACCESS_LIST_INVALID', `${where} must be [address, storageKeys]`, {
          index: i,
        })
      }
      const [address, keys] = entry
      if (!(address instanceof Uint8Array) || address.length !== 20) {
        throw new ValidationFailure('TX_ACCESS_LIST_INVALID', `${where}.address must be 20 bytes`, {
          index: i,
        })
      }
      if (!Array.isArray(keys)) {
        throw new ValidationFailure('TX_ACCESS_LIST_INVALID', `${where}.storageKeys must be a list`, {
          index: i,
        })
      }
      const storageKeys = keys.map((key, k) => {
        if (!(key instanceof Uint8Array) || key.length !== 32) {
          throw new ValidationFailure(
            'TX_ACCESS_LIST_INVALID',
            `${where}.storageKeys[${k}] must be 32 bytes`,
            {
              index: i,
              key: k,
            },
          )
        }
        return key
      })
      return { address, storageKeys }
    })
  }
}

function failure(
  code: ConstructorParameters<typeof ValidationFailure>[0],
  message: string,
  details: Record<string, unknown>,
): ValidationFailure {
  return new ValidationFailure(code, message, details)
}
