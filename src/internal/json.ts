/**
 * Turns engine values into plain JSON: bigint → 0x-hex quantity (as Ethereum JSON-RPC does), Uint8Array →
 * 0x-hex bytes, Map → object, Set → array, undefined fields dropped.
 */
export function toJsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') return `0x${value.toString(16)}`
  if (value instanceof Uint8Array) return `0x${Buffer.from(value).toString('hex')}`
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toJsonValue(v)]))
  if (Array.isArray(value) || value instanceof Set) return [...value].map(toJsonValue)
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJsonValue(v)
    return out
  }
  return value
}

export function stringifyJson(value: unknown, pretty = true): string {
  return JSON.stringify(toJsonValue(value), null, pretty ? 2 : undefined)
}
