import {
  type DecodedTransaction,
  type EnvelopeAccepted,
  encodeTransaction,
  fromHex,
  toHex,
  validateEnvelope,
} from '../validation/index.ts'
import { addressOf } from './addressOf.ts'
import { isObject } from './detectFormat.ts'
import type { CaseResult, FixtureContext, FixtureFile } from './types.ts'

const ENCODINGS = [
  { key: 'Legacy', type: 0, eip155: false },
  { key: 'Eip155', type: 0, eip155: true },
  { key: 'Berlin', type: 1, eip155: true },
  { key: 'London', type: 2, eip155: true },
  { key: 'Cancun', type: 3, eip155: true },
] as const

type Fields = Record<string, unknown>

/**
 * ethers.js `transactions.json.gz`: each random transaction signed five ways. Every encoding must decode to
 * the given fields and signature, recover the key's address, and re-encode to the same bytes.
 */
export function runEthersTransactions(ctx: FixtureContext, file: FixtureFile): CaseResult[] {
  const results: CaseResult[] = []
  for (const entry of file.json as unknown[]) {
    if (!isObject(entry) || !isObject(entry.transaction) || typeof entry.privateKey !== 'string') continue
    const address = addressOf(ctx.crypto, entry.privateKey)
    const fields = entry.transaction
    for (const encoding of ENCODINGS) {
      const id = `${file.path}::${String(entry.name)}/${encoding.key}`
      const base = { id, format: 'ethers-transactions' } as const
      const signed = entry[`signed${encoding.key}`]
      const signature = entry[`signature${encoding.key}`]
      // ethers writes 0x where a form does not exist (EIP-155 without a chain id, type 3 without a recipient)
      if (typeof signed !== 'string' || signed === '0x' || signed === '' || !isObject(signature)) continue
      const raw = fromHex(signed) ?? new Uint8Array(0)
      const verdict = validateEnvelope(ctx, { raw })
      if (!verdict.valid) {
        const skip = consensusInvalid(fields, encoding.type)
        results.push(
          skip !== undefined && verdict.reason.code === skip.code
            ? { ...base, status: 'skipped', reason: skip.reason }
            : { ...base, status: 'failed', reason: `${verdict.reason.code}: ${verdict.reason.message}` },
        )
        continue
      }
      const problems = compare(verdict, fields, signature, encoding)
      if (verdict.sender !== address) problems.push(`sender ${verdict.sender} ≠ ${address}`)
      if (toHex(encodeTransaction(verdict.tx)) !== toHex(raw)) problems.push('re-encoding differs')
      results.push(
        problems.length === 0
          ? { ...base, status: 'passed' }
          : { ...base, status: 'failed', reason: problems.join('; ') },
      )
    }
  }
  return results
}

/** ethers signs some envelopes the consensus rules forbid; those are skipped when we reject them for that reason. */
function consensusInvalid(fields: Fields, type: number): { code: string; reason: string } | undefined {
  if (type === 3 && fields.to === undefined) {
    return {
      code: 'TX_CREATE_NOT_ALLOWED',
      reason: 'ethers signs a type-3 contract creation, which EIP-4844 forbids',
    }
  }
  if (type === 3 && (fields.blobVersionedHashes as unknown[] | undefined)?.length !== undefined) {
    if ((fields.blobVersionedHashes as unknown[]).length === 0) {
      return {
        code: 'TX_BLOB_HASHES_EMPTY',
        reason: 'ethers signs a type-3 transaction without blobs, which EIP-4844 forbids',
      }
    }
  }
  if (type === 3 && fields.blobVersionedHashes === undefined) {
    return {
      code: 'TX_BLOB_HASHES_EMPTY',
      reason: 'ethers signs a type-3 transaction without blobs, which EIP-4844 forbids',
    }
  }
  return undefined
}

function compare(
  verdict: EnvelopeAccepted,
  fields: Fields,
  signature: Fields,
  encoding: (typeof ENCODINGS)[number],
): string[] {
  const tx: DecodedTransaction = verdict.tx
  const problems: string[] = []
  const num = (key: string) => BigInt((fields[key] as string | number | undefined) ?? 0)
  const check = (what: string, got: unknown, want: unknown) => {
    if (got !== want) problems.push(`${what} ${String(got)} ≠ ${String(want)}`)
  }
  check('type', tx.type, encoding.type)
  check('nonce', tx.nonce, num('nonce'))
  check('gasLimit', tx.gasLimit, num('gasLimit'))
  if (encoding.type <= 1) check('gasPrice', tx.maxFeePerGas, num('gasPrice'))
  else {
    check('maxFeePerGas', tx.maxFeePerGas, num('maxFeePerGas'))
    check('maxPriorityFeePerGas', tx.maxPriorityFeePerGas, num('maxPriorityFeePerGas'))
  }
  check(
    'to',
    tx.to === undefined ? undefined : toHex(tx.to),
    (fields.to as string | undefined)?.toLowerCase(),
  )
  check('value', tx.value, num('value'))
  check('data', toHex(tx.data), ((fields.data as string | undefined) ?? '0x').toLowerCase())
  check('chainId', tx.chainId, encoding.eip155 ? num('chainId') : undefined)
  if (encoding.type >= 1) {
    const list = (fields.accessList as Array<{ address: string; storageKeys: string[] }> | undefined) ?? []
    const want = JSON.stringify(
      list.map((e) => [e.address.toLowerCase(), e.storageKeys.map((k) => k.toLowerCase())]),
    )
    check(
      'accessList',
      JSON.stringify(tx.accessList.map((e) => [toHex(e.address), e.storageKeys.map(toHex)])),
      want,
    )
  }
  if (encoding.type === 3) {
    check('maxFeePerBlobGas', tx.maxFeePerBlobGas, num('maxFeePerBlobGas'))
    const hashes = ((fields.blobVersionedHashes as string[] | undefined) ?? []).map((h) => h.toLowerCase())
    check('blobVersionedHashes', tx.blobVersionedHashes.map(toHex).join(','), hashes.join(','))
  }
  check('r', tx.r, BigInt(signature.r as string))
  check('s', tx.s, BigInt(signature.s as string))
  const v = BigInt((signature.yParity ?? signature.v) as string | number)
  check('v', tx.v, encoding.type === 0 ? v : v & 1n)
  return problems
}
