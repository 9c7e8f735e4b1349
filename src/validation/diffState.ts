import { equalBytes, toHex } from './bytes.ts'
import type { AccountState } from './witness.ts'

/** One account in go-ethereum's prestateTracer shape. Fields absent mean "not part of the diff". */
export interface TracerAccount {
  balance?: `0x${string}`
  nonce?: number
  code?: `0x${string}`
  storage?: Record<string, `0x${string}`>
}

/** go-ethereum prestateTracer `diffMode` output: `pre` holds old values, `post` new ones; deleted accounts are only in `pre`. */
export interface StateDiff {
  pre: Record<string, TracerAccount>
  post: Record<string, TracerAccount>
}

const EMPTY: AccountState = { balance: 0n, nonce: 0n, code: new Uint8Array(0), storage: new Map() }

/**
 * Diffs two states the way go-ethereum's prestateTracer does in diffMode: an account appears when any of
 * balance, nonce, code or storage changed; `post` lists changed fields only, slots cleared to zero appear in
 * `pre` only, and a deleted account is in `pre` and not in `post`.
 */
export function diffState(before: Map<string, AccountState>, after: Map<string, AccountState>): StateDiff {
  const pre: Record<string, TracerAccount> = {}
  const post: Record<string, TracerAccount> = {}
  const addresses = new Set([...before.keys(), ...after.keys()])
  for (const address of [...addresses].sort()) {
    const a = before.get(address)
    const b = after.get(address)
    if (b === undefined) {
      if (a !== undefined && !isEmpty(a)) pre[address] = full(a)
      continue
    }
    const old = a ?? EMPTY
    const p: TracerAccount = {}
    const q: TracerAccount = {}
    if (old.balance !== b.balance) {
      p.balance = hexQuantity(old.balance)
      q.balance = hexQuantity(b.balance)
    }
    if (old.nonce !== b.nonce) {
      p.nonce = Number(old.nonce)
      q.nonce = Number(b.nonce)
    }
    if (old.code !== b.code && !equalBytes(old.code, b.code)) {
      p.code = toHex(old.code)
      q.code = toHex(b.code)
    }
    const slots = new Set([...old.storage.keys(), ...b.storage.keys()])
    for (const slot of [...slots].sort()) {
      const x = old.storage.get(slot) ?? 0n
      const y = b.storage.get(slot) ?? 0n
      if (x === y) continue
      if (x !== 0n) p.storage = { ...p.storage, [slot]: word(x) }
      if (y !== 0n) q.storage = { ...q.storage, [slot]: word(y) }
    }
    if (Object.keys(p).length === 0 && Object.keys(q).length === 0) continue
    if (a !== undefined) pre[address] = p
    post[address] = q
  }
  return { pre, post }
}

function isEmpty(a: AccountState): boolean {
  return a.balance === 0n && a.nonce === 0n && a.code.length === 0 && a.storage.size === 0
}

function full(a: AccountState): TracerAccount {
  const out: TracerAccount = { balance: hexQuantity(a.balance), nonce: Number(a.nonce) }
  if (a.code.length > 0) out.code = toHex(a.code)
  if (a.storage.size > 0) out.storage = Object.fromEntries([...a.storage].map(([k, v]) => [k, word(v)]))
  return out
}

function hexQuantity(value: bigint): `0x${string}` {
  return `0x${value.toString(16)}`
}

function word(value: bigint): `0x${string}` {
  return `0x${value.toString(16).padStart(64, '0')}`
}
