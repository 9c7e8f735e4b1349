import type { MessageRecord } from '../messaging/index.ts'

/** A message on one line: id, block, sender → recipient, type, flags and body (or why it cannot be read). */
export function messageLine(record: MessageRecord): string {
  const { decoded } = record
  const head = `#${record.id} block ${record.blockNumber} ${record.from} → ${record.to}`
  if (decoded.status === 'encrypted') return `${head} [encrypted]`
  if (decoded.status === 'rejected') return `${head} [${decoded.code}: ${decoded.message}]`
  const { envelope } = decoded
  const flags = [
    decoded.encrypted ? 'encrypted' : undefined,
    envelope.reply_to === undefined ? undefined : `reply to #${envelope.reply_to}`,
    envelope.ack ? 'ack requested' : undefined,
  ].filter((f) => f !== undefined)
  return `${head} ${envelope.type}${flags.length > 0 ? ` (${flags.join(', ')})` : ''}${envelope.body === '' ? '' : `: ${JSON.stringify(envelope.body)}`}`
}
