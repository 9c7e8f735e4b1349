import type { CoordinatorStatus } from '../coordinatorStatus.ts'
import type { OpenEpoch, SettlerStatus } from '../epochs/index.ts'
import type { FollowerStatus } from '../follower/index.ts'
import type { Accuracy } from '../scoring/index.ts'
import type { TaskHub } from '../work/index.ts'
import type { LiveView } from './liveView.ts'

export interface LeaderViewParts {
  chainId: bigint
  hub: Pick<TaskHub, 'counters' | 'connected'>
  accuracy: Accuracy
  follower?: (() => FollowerStatus | undefined) | undefined
  epoch?: (() => OpenEpoch | undefined) | undefined
  settler?: (() => SettlerStatus | undefined) | undefined
  /** The rest of the leader's status (pre-confirmation work, canaries, sealing, challenges). */
  more?:
    | (() => Partial<Pick<CoordinatorStatus, 'pending' | 'canaries' | 'sealing' | 'challenge'>>)
    | undefined
}

/** The leader's view of the swarm: its own memory. */
export function createLeaderView(parts: LeaderViewParts): LiveView {
  const follower = () => parts.follower?.()
  const epoch = () => parts.epoch?.()
  const settler = () => parts.settler?.()
  return {
    role: 'leader',
    counters: () => parts.hub.counters(),
    connected: () => parts.hub.connected(),
    accuracy: () => parts.accuracy,
    follower,
    epoch,
    settler,
    status: () => {
      const f = follower()
      return {
        chainId: parts.chainId,
        head: f?.head,
        followed: f?.followed,
        history: f?.history,
        pending: undefined,
        canaries: undefined,
        sealing: undefined,
        challenge: undefined,
        ...parts.more?.(),
        agentsLive: parts.hub.connected().size,
        counters: parts.hub.counters(),
        accuracy: { total: parts.accuracy.total(), agents: parts.accuracy.agents() },
        epoch: epoch(),
        settlement: settler(),
      }
    },
  }
}
