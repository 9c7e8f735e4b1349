export {
  type CloseEpochParameters,
  type CloseEpochReturnType,
  closeEpoch,
  type EpochRewardParameters,
  openEpoch,
  rewardSplit,
} from './closeEpoch.ts'
export {
  type AgentEpochWork,
  type AgentWeight,
  computeWeights,
  type WeightParameters,
} from './computeWeights.ts'
export {
  createEpochClock,
  type EpochClock,
  type EpochClockDependencies,
  type OpenEpoch,
} from './createEpochClock.ts'
export { latestPayout, type Payout } from './latestPayout.ts'
export { type SplitDepositParameters, type SplitDepositReturnType, splitDeposit } from './splitDeposit.ts'
