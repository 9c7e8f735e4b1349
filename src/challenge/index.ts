export { type ChallengeWindow, parseChallengeId, REEXECUTE_V1 } from './challengeId.ts'
export { type ChallengeMetrics, type ChallengeRecord, challengeMetrics } from './challengeRecord.ts'
export {
  type ChallengeValidation,
  challengeUri,
  readChallengeValidation,
  requestChallengeValidation,
} from './challengeValidation.ts'
export { challengeCommitment, deriveSalt } from './commitment.ts'
export {
  type ComputeAnswerContext,
  type ComputeAnswerParameters,
  type ComputeAnswerReturnType,
  computeAnswer,
  TASK_WINDOW,
  taskChoice,
} from './computeAnswer.ts'
export {
  computeScore,
  type InviteeEntry,
  type InviteeVerdict,
  inviteeVerdicts,
  passes,
  TIMELY_BLOCKS,
} from './computeScore.ts'
export {
  type ChallengeIndex,
  type CreateChallengeIndexParameters,
  createChallengeIndex,
} from './createChallengeIndex.ts'
export {
  type ExpectedAnswersParameters,
  expectedAnswers,
  type FinalizeChallengeParameters,
  type FinalizeChallengeReturnType,
  finalizeChallenge,
} from './finalizeChallenge.ts'
export { type OpenChallengeParameters, type OpenChallengeReturnType, openChallenge } from './openChallenge.ts'
export { registeredWallets } from './registeredWallets.ts'
export { windowTransactions } from './windowTransactions.ts'
