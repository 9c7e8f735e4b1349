import { z } from 'zod'
import { fromHex } from './bytes.ts'
import { ValidationFailure } from './failure.ts'
import { forkFromGethConfig } from './forkFromGethConfig.ts'
import { blobParameters, type Fork, forkAtLeast, GAS_PER_BLOB, parseFork } from './forks.ts'
import { hasStorage } from './storageRoot.ts'
import type { AccountState, BlockContext, Witness } from './witness.ts'

/** A quantity: JSON number, decimal string or 0x-hex string. */
const quantity = z
  .union([z.number().int().nonnegative(), z.string().regex(/^(0x[0-9a-fA-F]*|[0-9]+)$/)])
  .transform((value) => (typeof value === 'number' ? BigInt(value) : value === '0x' ? 0n : BigInt(value)))
const hexBytes = z.string().transform((value, ctx) => {
  const bytes = fromHex(value)
  if (bytes === undefined) ctx.addIssue({ code: 'custom', message: 'not hex bytes' })
  return bytes ?? new Uint8Array(0)
})
const address = z.string().regex(/^(0x)?[0-9a-fA-F]{40}$/, 'not a 20-byte address')
const hash32 = z.string().regex(/^(0x)?[0-9a-fA-F]{1,64}$/, 'not a 32-byte word')

const account = z
  .object({
    balance: quantity.optional(),
    nonce: quantity.optional(),
    code: hexBytes.optional(),
    storage: z.record(hash32, hash32).optional(),
    storageRoot: hash32.optional(),
  })
  .loose()

const block = z
  .object({
    number: quantity,
    timestamp: quantity,
    coinbase: address,
    gasLimit: quantity,
    baseFeePerGas: quantity.optional(),
    difficulty: quantity.optional(),
    prevRandao: hash32.optional(),
    excessBlobGas: quantity.optional(),
    parentBeaconBlockRoot: hash32.optional(),
  })
  .loose()

const apiaryWitness = z.object({
  version: z.literal(1),
  chainId: quantity,
  fork: z.string(),
  transaction: hexBytes,
  block,
  blockHashes: z.record(z.string(), hash32).optional(),
  prestate: z.record(address, account),
})

const gethTracerTest = z
  .object({
    genesis: z
      .object({
        config: z.record(z.string(), z.unknown()),
        alloc: z.record(address, account),
        mixHash: hash32.optional(),
        excessBlobGas: quantity.optional(),
        blobGasUsed: quantity.optional(),
        number: quantity,
        hash: hash32.optional(),
      })
      .loose(),
    context: z
      .object({
        number: quantity,
        timestamp: quantity,
        gasLimit: quantity,
        difficulty: quantity.optional(),
        miner: address,
        baseFeePerGas: quantity.optional(),
      })
      .loose(),
    input: z.string(),
  })
  .loose()

/**
 * Parses a witness (docs/spec/witness.md). Also accepts a go-ethereum tracer test
 * (`{genesis, context, input}`): its `genesis.alloc` is prestateTracer output, used as is.
 */
export function parseWitness(json: unknown): Witness {
  if (typeof json === 'object' && json !== null && 'genesis' in json && 'context' in json) {
    return fromGethTracerTest(json)
  }
  const parsed = apiaryWitness.safeParse(json)
  if (!parsed.success) throw invalid(parsed.error)
  const w = parsed.data
  const fork = parseFork(w.fork)
  return {
    version: 1,
    chainId: w.chainId,
    fork,
    transaction: w.transaction,
    block: toBlock(w.block),
    blockHashes: new Map(Object.entries(w.blockHashes ?? {}).map(([n, h]) => [BigInt(n), word(h)])),
    prestate: withoutEmpty(toPrestate(w.prestate), fork),
  }
}

/**
 * From Spurious Dragon on (EIP-161) an empty account (no balance, nonce, code or storage) cannot exist, so
 * a prestate entry for one says only that the account was looked up: it is absent. prestateTracer lists
 * such lookups, and whether the account exists matters (e.g. the EIP-7702 refund for an existing authority).
 */
function withoutEmpty(prestate: Map<string, AccountState>, fork: Fork): Map<string, AccountState> {
  if (!forkAtLeast(fork, 'spuriousDragon')) return prestate
  for (const [address, a] of prestate)
    if (a.balance === 0n && a.nonce === 0n && a.code.length === 0 && !hasStorage(a)) prestate.delete(address)
  return prestate
}

function fromGethTracerTest(json: unknown): Witness {
  const parsed = gethTracerTest.safeParse(json)
  if (!parsed.success) throw invalid(parsed.error)
  const { genesis, context, input } = parsed.data
  const transaction = fromHex(input)
  if (transaction === undefined) throw new ValidationFailure('WITNESS_INVALID', 'input is not hex')
  const fork: Fork = forkFromGethConfig(genesis.config, context.number, context.timestamp)
  const chainId = BigInt(String(genesis.config.chainId ?? 1))
  const merged =
    genesis.config.terminalTotalDifficulty !== undefined &&
    BigInt(String(genesis.config.terminalTotalDifficulty)) === 0n
  let excessBlobGas: bigint | undefined
  if (genesis.excessBlobGas !== undefined || genesis.blobGasUsed !== undefined) {
    const parentExcess = genesis.excessBlobGas ?? 0n
    const parentUsed = genesis.blobGasUsed ?? 0n
    const target = BigInt(blobParameters(fork)?.target ?? 3) * GAS_PER_BLOB
    excessBlobGas = parentExcess + parentUsed < target ? 0n : parentExcess + parentUsed - target
  }
  const blockHashes = new Map<bigint, Uint8Array>()
  if (genesis.hash !== undefined) blockHashes.set(genesis.number, word(genesis.hash))
  return {
    version: 1,
    chainId,
    fork,
    transaction,
    block: {
      number: context.number,
      timestamp: context.timestamp,
      coinbase: word(context.miner, 20),
      gasLimit: context.gasLimit,
      baseFeePerGas: context.baseFeePerGas,
      difficulty: context.difficulty ?? 0n,
      prevRandao: merged && genesis.mixHash !== undefined ? word(genesis.mixHash) : undefined,
      excessBlobGas,
      parentBeaconBlockRoot: undefined,
    },
    blockHashes,
    prestate: withoutEmpty(toPrestate(genesis.alloc), fork),
  }
}

type ParsedBlock = z.infer<typeof block>
type ParsedAccount = z.infer<typeof account>

function toBlock(b: ParsedBlock): BlockContext {
  return {
    number: b.number,
    timestamp: b.timestamp,
    coinbase: word(b.coinbase, 20),
    gasLimit: b.gasLimit,
    baseFeePerGas: b.baseFeePerGas,
    difficulty: b.difficulty ?? 0n,
    prevRandao: b.prevRandao === undefined ? undefined : word(b.prevRandao),
    excessBlobGas: b.excessBlobGas,
    parentBeaconBlockRoot: b.parentBeaconBlockRoot === undefined ? undefined : word(b.parentBeaconBlockRoot),
  }
}

export function toPrestate(accounts: Record<string, ParsedAccount>): Map<string, AccountState> {
  const out = new Map<string, AccountState>()
  for (const [addr, a] of Object.entries(accounts)) {
    const storage = new Map<string, bigint>()
    for (const [slot, value] of Object.entries(a.storage ?? {})) {
      const v = BigInt(value.startsWith('0x') ? value : `0x${value}`)
      if (v !== 0n) storage.set(slotKey(slot), v)
    }
    out.set(normalizeAddress(addr), {
      balance: a.balance ?? 0n,
      nonce: a.nonce ?? 0n,
      code: a.code ?? new Uint8Array(0),
      storage,
      ...(a.storageRoot === undefined ? {} : { storageRoot: word(a.storageRoot) }),
    })
  }
  return out
}

export function normalizeAddress(addr: string): string {
  const body = addr.startsWith('0x') || addr.startsWith('0X') ? addr.slice(2) : addr
  return `0x${body.toLowerCase()}`
}

/** Canonical storage key: 0x + 64 lower-case hex digits. */
export function slotKey(slot: string): string {
  const body = slot.startsWith('0x') || slot.startsWith('0X') ? slot.slice(2) : slot
  return `0x${body.toLowerCase().padStart(64, '0')}`
}

function word(hex: string, size = 32): Uint8Array {
  const body = (hex.startsWith('0x') ? hex.slice(2) : hex).padStart(size * 2, '0')
  return Uint8Array.from(Buffer.from(body, 'hex'))
}

function invalid(error: z.ZodError): ValidationFailure {
  const issue = error.issues[0]
  const path = issue?.path.join('.') ?? ''
  return new ValidationFailure(
    'WITNESS_INVALID',
    `witness ${path === '' ? '' : `${path}: `}${issue?.message ?? 'invalid'}`,
    {
      path,
    },
  )
}
