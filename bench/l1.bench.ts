import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { createEngineCrypto, decodeTransaction, fromHex, validateEnvelope } from '../src/validation/index.ts'
import { machine } from './_lib/machine.ts'

/**
 * L1: signed transactions validated per second on one core over the ethers.js corpus (3,200 random
 * transactions × 5 encodings), with the native and the pure-JS ECDSA backends. Baseline, measured in the
 * same run: bare libsecp256k1 `ecdsaRecover` on the same message hashes and signatures (the ceiling).
 */
export async function benchL1(fixtures: string) {
  const corpus = JSON.parse(
    gunzipSync(readFileSync(join(fixtures, 'tx/ethers.js/testcases/transactions.json.gz'))).toString('utf8'),
  ) as Array<Record<string, unknown>>
  const raws: Uint8Array[] = []
  for (const entry of corpus) {
    for (const key of ['signedLegacy', 'signedEip155', 'signedBerlin', 'signedLondon', 'signedCancun']) {
      const hex = entry[key]
      if (typeof hex === 'string' && hex.length > 2) raws.push(fromHex(hex) as Uint8Array)
    }
  }
  const native = createEngineCrypto({ backend: 'native' })
  const js = createEngineCrypto({ backend: 'js' })

  // Baseline inputs: (hash, signature, recovery id) of every valid transaction, precomputed.
  const inputs = raws.flatMap((raw) => {
    const verdict = validateEnvelope({ crypto: native }, { raw })
    if (!verdict.valid) return []
    const tx = decodeTransaction({ raw })
    const signature = new Uint8Array(64)
    signature.set(fromHex(tx.r.toString(16).padStart(64, '0')) as Uint8Array, 0)
    signature.set(fromHex(tx.s.toString(16).padStart(64, '0')) as Uint8Array, 32)
    const recovery =
      tx.type === 0 ? Number(tx.chainId === undefined ? tx.v - 27n : (tx.v - 35n) & 1n) : Number(tx.v)
    return [{ raw, hash: native.keccak256(tx.signingPayload), signature, recovery }]
  })
  const secp = createRequire(import.meta.url)('secp256k1/bindings') as {
    ecdsaRecover(sig: Uint8Array, recid: number, msg: Uint8Array, compressed: boolean): Uint8Array
  }
  const rows = [
    measure('libsecp256k1 ecdsaRecover alone (baseline)', inputs.length, () => {
      for (const i of inputs) secp.ecdsaRecover(i.signature, i.recovery, i.hash, false)
    }),
    measure('validateEnvelope, native ECDSA', inputs.length, () => {
      for (const i of inputs) validateEnvelope({ crypto: native }, { raw: i.raw })
    }),
    measure('validateEnvelope, pure-JS ECDSA (@noble/curves)', 2000, () => {
      for (const i of inputs.slice(0, 2000)) validateEnvelope({ crypto: js }, { raw: i.raw })
    }),
  ]
  const baseline = rows[0]?.perSecond ?? 1
  return {
    name: 'l1',
    unit: 'transactions/s (one core)',
    machine: machine(),
    corpus: { transactions: inputs.length },
    rows: rows.map((r) => ({ ...r, vsBaseline: Number((r.perSecond / baseline).toFixed(3)) })),
  }
}

function measure(name: string, count: number, run: () => void) {
  run() // warm-up: JIT and caches
  const samples: number[] = []
  for (let i = 0; i < 5; i++) {
    const start = performance.now()
    run()
    samples.push(performance.now() - start)
  }
  samples.sort((a, b) => a - b)
  const median = samples[2] as number
  return {
    variant: name,
    items: count,
    medianMs: Number(median.toFixed(1)),
    perSecond: Math.round((count / median) * 1000),
  }
}
