/** How many paid replies a messenger may send (docs/messaging.md#what-a-reply-costs). */
export interface ReplyLimits {
  /** Replies to one sender within an hour. */
  perSenderPerHour: number
  /** Replies to everyone within a day. */
  perDay: number
}

export const DEFAULT_REPLY_LIMITS: ReplyLimits = { perSenderPerHour: 20, perDay: 500 }

export interface ReplyCounts {
  /** Replies already queued to messages of the same transaction. */
  sameTransaction: number
  senderLastHour: number
  lastDay: number
}

/**
 * Whether a message may draw a paid reply; the reason when it may not. A reply answers at most one message
 * per incoming transaction (40 pings batched in one transaction buy one pong, so a sender pays at least a
 * transaction for each reply), only a sender that is a registered agent or on the allowlist (registering
 * costs a transaction too), and within a per-sender hourly rate and a daily budget.
 */
export function replyPolicy(
  sender: { registered: boolean; allowed: boolean },
  counts: ReplyCounts,
  limits: ReplyLimits,
): { ok: true } | { ok: false; reason: string } {
  if (!sender.registered && !sender.allowed)
    return { ok: false, reason: 'the sender is not a registered agent nor allowed' }
  if (counts.sameTransaction > 0) return { ok: false, reason: 'one reply per incoming transaction' }
  if (counts.senderLastHour >= limits.perSenderPerHour)
    return { ok: false, reason: `at most ${limits.perSenderPerHour} replies to one sender an hour` }
  if (counts.lastDay >= limits.perDay) return { ok: false, reason: `at most ${limits.perDay} replies a day` }
  return { ok: true }
}
