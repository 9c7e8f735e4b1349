export { CHARGE_SLACK_SECONDS, checkWithdrawDelay } from './checkWithdrawDelay.ts'
export {
  type DeployJobEscrowParameters,
  type DeployJobEscrowReturnType,
  deployJobEscrow,
} from './deployJobEscrow.ts'
export { escrowCalls } from './escrowCalls.ts'
export {
  ESCROW_ASSETS,
  type EscrowAccount,
  type EscrowAsset,
  readEscrowAccount,
} from './readEscrowAccount.ts'
export { simulationWitness } from './simulationWitness.ts'
