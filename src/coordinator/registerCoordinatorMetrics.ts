import { Level } from '../gen/apiary/v1/swarm_pb.js'
import type { Metrics } from '../internal/metrics.ts'
import type { CoordinatorStatus } from './coordinatorStatus.ts'
import type { Accuracy, Tally } from './scoring/index.ts'

const ratio = (t: Tally) => (t.scored === 0 ? undefined : t.matched / t.scored)

/**
 * The coordinator's metrics, read from its status at scrape time: work (dispatched, accepted, refused,
 * scored, matched), agents, the chain and the follower's lag, accuracy by level, epochs, settlement,
 * sealing, anchoring and challenges. RPC and dispatch→ack latencies are the histograms of `metrics`.
 */
export function registerCoordinatorMetrics(
  metrics: Metrics,
  { status, accuracy }: { status: () => CoordinatorStatus; accuracy: Pick<Accuracy, 'levels'> },
): void {
  const counters = () => status().counters
  metrics.counter('apiary_tasks_dispatched_total', 'Tasks sent to agents', () => counters().dispatched)
  metrics.counter('apiary_results_accepted_total', 'Results accepted and stored', () => counters().answered)
  metrics.counter(
    'apiary_results_rejected_total',
    'Results refused (NOT_ASSIGNED, DUPLICATE, LATE, MALFORMED)',
    () => counters().rejected,
  )
  metrics.counter('apiary_results_scored_total', 'Results compared with chain truth', () => counters().scored)
  metrics.counter(
    'apiary_results_matched_total',
    'Scored results that agree with the chain on every field',
    () => counters().matched,
  )
  metrics.gauge('apiary_agents_live', 'Agents with an open task stream', () => status().agentsLive)
  metrics.gauge(
    'apiary_chain_block',
    'Chain head and last followed block',
    () => {
      const s = status()
      return [
        ...(s.head === undefined ? [] : [[{ which: 'head' }, s.head] as [Record<string, string>, number]]),
        ...(s.followed === undefined
          ? []
          : [[{ which: 'followed' }, s.followed] as [Record<string, string>, number]]),
      ]
    },
    ['which'],
  )
  metrics.gauge(
    'apiary_follower_lag_blocks',
    'Blocks between the chain head and the last followed block',
    () => {
      const s = status()
      return s.head === undefined || s.followed === undefined ? undefined : Math.max(0, s.head - s.followed)
    },
  )
  metrics.gauge(
    'apiary_accuracy_ratio',
    'Share of scored results that match the chain, by level',
    () =>
      [...accuracy.levels()]
        .map(([level, tally]) => [{ level: Level[level] ?? String(level) }, ratio(tally)] as const)
        .filter((entry): entry is readonly [{ level: string }, number] => entry[1] !== undefined)
        .map(([labels, value]) => [labels, value] as [Record<string, string>, number]),
    ['level'],
  )
  metrics.gauge('apiary_epoch_open_number', 'The open epoch', () => status().epoch?.number)
  metrics.gauge(
    'apiary_settlement_owed_epochs',
    'Closed epochs with something to pay that are not settled yet',
    () => status().settlement?.owed,
  )
  metrics.gauge(
    'apiary_settlement_last_epoch',
    'The newest epoch settled on-chain',
    () => status().settlement?.lastSettled?.epoch,
  )
  metrics.gauge(
    'apiary_sealing_last_epoch',
    'The newest sealed epoch',
    () => status().sealing?.lastSealed?.epoch,
  )
  metrics.gauge(
    'apiary_anchoring_last_epoch',
    'The newest epoch anchored on-chain',
    () => status().sealing?.anchor?.lastAnchored?.epoch,
  )
  metrics.gauge(
    'apiary_challenge_last_score_ratio',
    'Score of the newest finalized Proof of Swarm challenge',
    () => {
      const score = status().challenge?.finalized?.score
      return score === undefined ? undefined : score / 10_000
    },
  )
}
