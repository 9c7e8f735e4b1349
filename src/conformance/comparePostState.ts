import { type AccountState, normalizeAddress, slotKey, toHex } from '../validation/index.ts'

type Dump = Record<
  string,
  { balance?: string; nonce?: string | number; code?: string; storage?: Record<string, string> }
>

/** Differences between an expected full post-state dump (`address → {balance, nonce, code, storage}`) and ours. */
export function comparePostState(expected: Dump, actual: Map<string, AccountState>, limit = 5): string[] {
  const problems: string[] = []
  const want = new Map(Object.entries(expected).map(([a, v]) => [normalizeAddress(a), v]))
  for (const address of new Set([...want.keys(), ...actual.keys()])) {
    const w = want.get(address)
    const a = actual.get(address)
    if (w === undefined) {
      problems.push(`${address} exists, expected absent`)
      continue
    }
    if (a === undefined) {
      problems.push(`${address} absent, expected present`)
      continue
    }
    const balance = BigInt(w.balance ?? 0)
    if (a.balance !== balance) problems.push(`${address} balance ${a.balance} ≠ ${balance}`)
    const nonce = BigInt(w.nonce ?? 0)
    if (a.nonce !== nonce) problems.push(`${address} nonce ${a.nonce} ≠ ${nonce}`)
    const code = (w.code ?? '0x').toLowerCase()
    if (toHex(a.code) !== (code === '' ? '0x' : code)) problems.push(`${address} code differs`)
    const slots = new Map<string, bigint>()
    for (const [k, v] of Object.entries(w.storage ?? {}))
      if (BigInt(v) !== 0n) slots.set(slotKey(k), BigInt(v))
    for (const slot of new Set([...slots.keys(), ...a.storage.keys()])) {
      const x = a.storage.get(slot) ?? 0n
      const y = slots.get(slot) ?? 0n
      if (x !== y) problems.push(`${address} storage ${slot} ${x} ≠ ${y}`)
    }
  }
  return problems.slice(0, limit)
}
