export { createGrpcRelay, type GrpcRelay } from './createGrpcRelay.ts'
export { createLeaderView, type LeaderViewParts } from './createLeaderView.ts'
export {
  createStandbyView,
  type LeaderSnapshot,
  type LiveView,
  leaderSnapshot,
  loadAccuracy,
  SNAPSHOT_KEY,
  type StandbyView,
} from './liveView.ts'
