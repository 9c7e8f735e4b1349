/**
 * One phase of the snapshot benchmark in a process of its own, so that its peak memory is its own:
 * `node bench/_lib/snapshotPhase.ts write|verify|load|reopen|mpt FILE ACCOUNTS CONTRACTS SLOTS`. Prints
 * `{ms, maxRssMiB}` as JSON.
 */
import { RLP } from '@ethereumjs/rlp'
import { keccak_256 } from '@noble/hashes/sha3.js'
import {
  type SnapshotSourceAccount,
  stateRootOf,
  verifySnapshot,
  writeSnapshot,
} from '../../src/state/index.ts'
import { type AccountState, createEngineCrypto, stateRoot } from '../../src/validation/index.ts'

const [phase, file, accounts, contracts, slots] = process.argv.slice(2)
const counts = { accounts: Number(accounts), contracts: Number(contracts), slots: Number(slots) }

/** The synthetic state: EOAs, then contracts (10 distinct codes of 2 KiB) with `slots` slots each. */
function* state(): Generator<SnapshotSourceAccount> {
  const codes = Array.from({ length: 10 }, (_, i) => new Uint8Array(2048).fill(0x5b + i))
  const address = (i: number) => {
    const a = new Uint8Array(20)
    new DataView(a.buffer).setUint32(16, i)
    a[0] = 0xaa
    return a
  }
  for (let i = 0; i < counts.accounts + counts.contracts; i++) {
    const contract = i >= counts.accounts
    yield {
      address: address(i),
      nonce: BigInt(i % 7),
      balance: 10n ** 18n + BigInt(i),
      code: contract ? (codes[i % 10] as Uint8Array) : new Uint8Array(),
      storage: contract
        ? Array.from({ length: counts.slots }, (_, s) => {
            const slot = new Uint8Array(32)
            new DataView(slot.buffer).setUint32(28, s)
            return [slot, BigInt(i * 1000 + s + 1)] as [Uint8Array, bigint]
          })
        : [],
    }
  }
}
const sorted = () =>
  [...state()]
    .map((a) => ({ a, key: Buffer.from(keccak_256(a.address)) }))
    .sort((x, y) => Buffer.compare(x.key, y.key))
    .map((x) => x.a)

const started = performance.now()
let root = ''
if (phase === 'write') {
  const list = sorted()
  const t0 = performance.now()
  const stateRoot = stateRootOf(list)
  const t1 = performance.now()
  await writeSnapshot({ path: file as string, chainId: 1n, header: header(stateRoot), accounts: list })
  process.stdout.write(
    `${JSON.stringify({ ms: performance.now() - t1, rootMs: t1 - t0, maxRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`,
  )
} else if (phase === 'load' || phase === 'reopen') {
  // `file` is the snapshot; its store goes beside it. Reopen: the time to be ready from the store alone.
  const { openStateStore } = await import('../../src/agent/state/index.ts')
  const t = performance.now()
  const store = openStateStore(`${file}.store`)
  if (phase === 'load') await store.loadSnapshot(file as string)
  root = Buffer.from(store.head()?.stateRoot ?? new Uint8Array()).toString('hex')
  const ms = performance.now() - t
  store.close()
  process.stdout.write(`${JSON.stringify({ ms, maxRssMiB: process.resourceUsage().maxRSS / 1024, root })}\n`)
} else if (phase === 'verify') {
  root = Buffer.from((await verifySnapshot(file as string)).stateRoot).toString('hex')
  process.stdout.write(
    `${JSON.stringify({ ms: performance.now() - started, maxRssMiB: process.resourceUsage().maxRSS / 1024, root })}\n`,
  )
} else {
  const map = new Map<string, AccountState>()
  for (const a of state())
    map.set(`0x${Buffer.from(a.address).toString('hex')}`, {
      nonce: a.nonce,
      balance: a.balance,
      code: a.code,
      storage: new Map([...a.storage].map(([s, v]) => [`0x${Buffer.from(s).toString('hex')}`, v])),
    })
  root = Buffer.from(await stateRoot(createEngineCrypto({ backend: 'js' }), map)).toString('hex')
  process.stdout.write(
    `${JSON.stringify({ ms: performance.now() - started, maxRssMiB: process.resourceUsage().maxRSS / 1024, root })}\n`,
  )
}

/** A 17-field header with the state's root (a synthetic chain: the benchmark measures the file, not a node). */
function header(root: Uint8Array): Uint8Array {
  const fields: Uint8Array[] = Array.from(
    { length: 17 },
    (_, i) => new Uint8Array(i === 2 ? 20 : i === 8 ? 1 : 32),
  )
  fields[3] = root
  return RLP.encode(fields)
}
