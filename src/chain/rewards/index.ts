export { type ClaimRewardParameters, type ClaimRewardReturnType, claimReward } from './claimReward.ts'
export {
  type DeployRewardPoolParameters,
  type DeployRewardPoolReturnType,
  deployContract,
  deployEpochRegistry,
  deployRewardPool,
} from './deployRewardPool.ts'
export { type SendFundsParameters, type SendFundsReturnType, sendFunds } from './sendFunds.ts'
