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
export { type SplitDepositParameters, type SplitDepositReturnType, splitDeposit } from './splitDeposit.ts'
