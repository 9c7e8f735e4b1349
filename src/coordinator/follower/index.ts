export { type BlockClock, type BlockSighting, createBlockClock } from './createBlockClock.ts'
export {
  createFollower,
  type Follower,
  type FollowerStatus,
  VOID_AFTER_BLOCKS,
  type WitnessSource,
} from './createFollower.ts'
export {
  createPendingFollower,
  type PendingFollower,
  type PendingStatus,
} from './createPendingFollower.ts'
export { exportFollowedSnapshot } from './exportFollowedSnapshot.ts'
