export {
  type CloseEpochParameters,
  type CloseEpochReturnType,
  closeEpoch,
  type EpochRewardParameters,
  openEpoch,
  rewardSplit,
} from './closeEpoch.ts'
export {
  createEpochClock,
  type EpochClock,
  type EpochClockDependencies,
  type OpenEpoch,
} from './createEpochClock.ts'
export { latestPayout, type Payout } from './latestPayout.ts'
export { recordAgentAmounts } from './recordAgentAmounts.ts'
