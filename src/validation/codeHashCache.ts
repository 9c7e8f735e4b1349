/**
 * Remembers the keccak of contract code seen before, so that loading a witness does not hash the same
 * popular contracts again for every task (10 KB of code costs ≈50 µs to hash, ≈1 µs to compare).
 * Entries are found by length, then compared byte for byte; the oldest are dropped past `maxEntries`.
 */
export interface CodeHashCache {
  codeHash(code: Uint8Array): Uint8Array
}

export function createCodeHashCache(
  keccak256: (data: Uint8Array) => Uint8Array,
  maxEntries = 2048,
): CodeHashCache {
  const byLength = new Map<number, Array<{ code: Buffer; hash: Uint8Array }>>()
  const order: Array<{ length: number; code: Buffer }> = []
  return {
    codeHash(code) {
      const view = Buffer.from(code.buffer, code.byteOffset, code.length)
      const bucket = byLength.get(code.length)
      const hit = bucket?.find((entry) => entry.code.equals(view))
      if (hit !== undefined) return hit.hash
      const hash = keccak256(code)
      const entry = { code: Buffer.from(view), hash }
      if (bucket === undefined) byLength.set(code.length, [entry])
      else bucket.push(entry)
      order.push({ length: code.length, code: entry.code })
      if (order.length > maxEntries) {
        const oldest = order.shift() as { length: number; code: Buffer }
        const list = byLength.get(oldest.length) ?? []
        const remaining = list.filter((e) => e.code !== oldest.code)
        if (remaining.length === 0) byLength.delete(oldest.length)
        else byLength.set(oldest.length, remaining)
      }
      return hash
    },
  }
}
