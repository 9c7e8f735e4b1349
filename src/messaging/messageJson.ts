import type { MessageRecord } from './readMessages.ts'

/**
 * A message as flat JSON (apiary messages --json, GET /v1/messages): where it is, who sent it to whom, and
 * what the envelope says — or `encrypted`, or the rejection's code and reason.
 */
export function messageJson(record: MessageRecord): Record<string, unknown> {
  const { decoded } = record
  const base = {
    id: record.id,
    block: record.blockNumber,
    txHash: record.txHash,
    from: record.from,
    to: record.to,
    bytes: (record.payload.length - 2) / 2,
  }
  if (decoded.status === 'encrypted') return { ...base, status: 'encrypted', encrypted: true }
  if (decoded.status === 'rejected')
    return { ...base, status: 'rejected', code: decoded.code, reason: decoded.message }
  return { ...base, status: 'ok', encrypted: decoded.encrypted, ...decoded.envelope }
}
