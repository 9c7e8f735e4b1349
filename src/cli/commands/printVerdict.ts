import { REJECT_CODES, type RejectCode } from '../../validation/index.ts'

type Row = [label: string, value: string | number | bigint | undefined]

const TYPE_NAMES = ['legacy', 'EIP-2930', 'EIP-1559', 'EIP-4844', 'EIP-7702']

/** Prints a verdict of any level as aligned `label  value` lines on stdout. */
export function printVerdict(input: { valid: boolean; level: string }): void {
  const verdict = input as unknown as Record<string, unknown> & { valid: boolean; level: string }
  const rows: Row[] = [
    ['level', verdict.level],
    ['valid', verdict.valid ? 'yes' : 'no'],
  ]
  if (!verdict.valid) {
    const reason = verdict.reason as { code: RejectCode; message: string; details: Record<string, unknown> }
    rows.push(['reason', reason.code], ['message', reason.message], ['means', REJECT_CODES[reason.code]])
    for (const [key, value] of Object.entries(reason.details)) rows.push([`  ${key}`, String(value)])
  }
  const type = verdict.type as number | undefined
  rows.push(
    ['hash', verdict.hash as string | undefined],
    ['sender', verdict.sender as string | undefined],
    ['type', type === undefined ? undefined : `${type} (${TYPE_NAMES[type] ?? '?'})`],
    [
      'chain id',
      verdict.valid && verdict.level === 'L1'
        ? ((verdict.chainId as bigint | undefined) ?? 'none (pre-EIP-155)')
        : undefined,
    ],
    ['intrinsic gas', verdict.intrinsicGas as bigint | undefined],
    ['floor gas', verdict.floorGas as bigint | undefined],
    ['upfront cost', verdict.upfrontCost as bigint | undefined],
    ['status', verdict.status as string | undefined],
    ['error', verdict.error as string | undefined],
    ['gas used', verdict.gasUsed as bigint | undefined],
    ['logs', Array.isArray(verdict.logs) ? verdict.logs.length : undefined],
    ['return data', verdict.returnData as string | undefined],
    ['created', verdict.createdAddress as string | undefined],
    [
      'changed accounts',
      isRecord(verdict.stateDiff) ? Object.keys(verdict.stateDiff.post as object).length : undefined,
    ],
    [
      'unwitnessed',
      Array.isArray(verdict.unwitnessed) && verdict.unwitnessed.length > 0
        ? verdict.unwitnessed.join(', ')
        : undefined,
    ],
  )
  const shown = rows.filter((row): row is [string, string | number | bigint] => row[1] !== undefined)
  const width = Math.max(...shown.map(([label]) => label.length))
  for (const [label, value] of shown) process.stdout.write(`${label.padEnd(width)}  ${String(value)}\n`)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}
