import { RLP } from '@ethereumjs/rlp'
import { createTxFromRLP } from '@ethereumjs/tx'
import { concatBytes, encodeRpcTransaction, fromHex, toHex, validateEnvelope } from '../validation/index.ts'
import { addressOf } from './addressOf.ts'
import { isObject } from './detectFormat.ts'
import type { CaseResult, FixtureContext, FixtureFile } from './types.ts'

type Expectation = {
  name: string
  raw: Uint8Array | undefined
  sender?: string
  hash?: string
  /** The vector's `hash` is the hash that was signed, not the transaction hash (the EIP-155 vectors). */
  signingHash?: string
}

/**
 * The @ethereumjs/tx JSON vectors: EIP-155 vectors (`rlp`, `hash`, `sender`), `txs.json`-style field lists
 * with `sendersAddress`, `eip1559.json` (`signedTransactionRLP` in block-body form), a network-form blob
 * transaction (`{tx}`) and an RPC-form transaction (`v0tx.json`). Each must decode and recover its sender.
 */
export function runEthereumjsTransactions(ctx: FixtureContext, file: FixtureFile): CaseResult[] {
  return expectations(ctx, file.json).map((e) => {
    const base = { id: `${file.path}::${e.name}`, format: 'ethereumjs-transactions' } as const
    if (e.raw === undefined)
      return { ...base, status: 'failed', reason: 'the vector holds no decodable bytes' }
    const verdict = validateEnvelope(ctx, { raw: e.raw })
    if (!verdict.valid)
      return { ...base, status: 'failed', reason: `${verdict.reason.code}: ${verdict.reason.message}` }
    const problems: string[] = []
    if (e.hash !== undefined && verdict.hash !== normalize(e.hash))
      problems.push(`hash ${verdict.hash} ≠ ${e.hash}`)
    if (e.signingHash !== undefined) {
      const signed = toHex(ctx.crypto.keccak256(verdict.tx.signingPayload))
      if (signed !== normalize(e.signingHash)) problems.push(`signing hash ${signed} ≠ ${e.signingHash}`)
    }
    if (e.sender !== undefined && verdict.sender !== normalize(e.sender)) {
      // Some vectors carry a stale `sendersAddress`; when the reference implementation recovers the same
      // sender we do, the vector is wrong, not the engine.
      if (problems.length === 0 && referenceSender(e.raw) === verdict.sender) {
        return {
          ...base,
          status: 'skipped',
          reason:
            'the vector names a sender its own signature does not recover (@ethereumjs/tx agrees with us)',
        }
      }
      problems.push(`sender ${verdict.sender} ≠ ${e.sender}`)
    }
    return problems.length === 0
      ? { ...base, status: 'passed' }
      : { ...base, status: 'failed', reason: problems.join('; ') }
  })
}

function expectations(ctx: FixtureContext, json: unknown): Expectation[] {
  if (isObject(json) && typeof json.tx === 'string') return [{ name: 'tx', raw: fromHex(json.tx) }]
  if (isObject(json) && typeof json.hash === 'string' && typeof json.from === 'string') {
    // RPC form: encode the envelope from its fields, then check it hashes to `hash` and recovers `from`.
    const raw = encodeRpcTransaction(json)
    return [{ name: 'rpc', raw, sender: json.from, hash: json.hash }]
  }
  const entries: Array<[string, unknown]> = Array.isArray(json)
    ? json.map((e, i) => [String(i), e])
    : Object.entries(json as object)
  return entries.map(([name, e]) => {
    const x = e as Record<string, unknown>
    if (typeof x.rlp === 'string')
      return { name, raw: fromHex(x.rlp), sender: String(x.sender), signingHash: String(x.hash) }
    if (typeof x.signedTransactionRLP === 'string') {
      const body = RLP.decode(fromHex(x.signedTransactionRLP) ?? new Uint8Array(0))
      return {
        name,
        raw: body instanceof Uint8Array ? body : undefined,
        sender: addressOf(ctx.crypto, String(x.privateKey)),
      }
    }
    const fields = RLP.encode((x.raw as string[]).map(decodeNested) as never)
    const type = Number(BigInt((x.data as Record<string, string>).type ?? '0x0'))
    return {
      name,
      raw: type === 0 ? fields : concatBytes(Uint8Array.of(type), fields),
      sender: String(x.sendersAddress),
    }
  })
}

function decodeNested(value: unknown): unknown {
  return Array.isArray(value) ? value.map(decodeNested) : fromHex(String(value))
}

function normalize(hex: string): string {
  return toHex(fromHex(hex) ?? new Uint8Array(0))
}

function referenceSender(raw: Uint8Array): string | undefined {
  try {
    return createTxFromRLP(raw).getSenderAddress().toString()
  } catch {
    return undefined
  }
}
