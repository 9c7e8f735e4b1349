export {
  type CloseEpochParameters,
  type CloseEpochReturnType,
  closeEpoch,
  type EpochRewardParameters,
  openEpoch,
  rewardSplit,
} from './closeEpoch.ts'
export { collectEpoch } from './collectEpoch.ts'
export { type Anchorer, type AnchorStatus, createAnchorer } from './createAnchorer.ts'
export {
  createEpochClock,
  type EpochClock,
  type EpochClockDependencies,
  type OpenEpoch,
} from './createEpochClock.ts'
export { createSealer, type Sealer, type SealerDependencies, type SealerStatus } from './createSealer.ts'
export {
  createSettler,
  SETTLEMENT_CHUNK_AGENTS,
  type Settler,
  type SettlerDependencies,
  type SettlerStatus,
} from './createSettler.ts'
export { latestPayout, type Payout } from './latestPayout.ts'
export { pinCar } from './pinCar.ts'
export { recordAgentAmounts } from './recordAgentAmounts.ts'
export { type SealContext, type SealEpochParameters, sealEpoch, writeIndex } from './sealEpoch.ts'
export { sealedCarPath } from './sealedCarPath.ts'
export { type RewardOptions, type Rewards, startRewards } from './startRewards.ts'
