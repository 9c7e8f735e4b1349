import type { CanaryStatus } from './canaries/index.ts'
import type { LastChallenge } from './challenges/index.ts'
import type { OpenEpoch, SealerStatus, SettlerStatus } from './epochs/index.ts'
import type { PendingStatus } from './follower/index.ts'
import type { Tally } from './scoring/index.ts'
import type { HubCounters } from './work/index.ts'

/** What a coordinator reports of itself (status(), /metrics). */
export interface CoordinatorStatus {
  chainId: bigint
  head: number | undefined
  followed: number | undefined
  /** Pre-confirmation work: undefined without a chain or with it turned off. */
  pending: (PendingStatus & { landed: number; voided: number }) | undefined
  /** Canaries made, and their answers that passed and failed (undefined without pre-confirmation work). */
  canaries: (CanaryStatus & { answersPassed: number; answersFailed: number }) | undefined
  /** Mined transactions dispatched as history work (undefined without a chain). */
  history: number | undefined
  agentsLive: number
  counters: HubCounters
  accuracy: { total: Tally; agents: Map<string, Tally> }
  epoch: OpenEpoch | undefined
  settlement: SettlerStatus | undefined
  sealing: SealerStatus | undefined
  /** The newest Proof of Swarm challenge, when challenges are indexed. */
  challenge: LastChallenge | undefined
}
