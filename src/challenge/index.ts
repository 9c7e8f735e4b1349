export { blockSeconds } from './blockSeconds.ts'
export { type Calibration, calibrateCapacity, suggestDifficulty } from './calibrateCapacity.ts'
export { type CapacityBound, capacityBound, TIMESTAMP_SLACK_SECONDS } from './capacityBound.ts'
export {
  CAPACITY_V1,
  type CapacityPrompt,
  capacityIterations,
  capacityTaskCall,
  capacityTaskSeed,
  encodeCapacityPrompt,
  ITERATION_GAS,
  type MachineClass,
  parseCapacityPrompt,
} from './capacityTask.ts'
export { type ChallengeWindow, parseChallengeId } from './challengeId.ts'
export { type ChallengeMetrics, type ChallengeRecord, challengeMetrics } from './challengeRecord.ts'
export {
  type ChallengeValidation,
  challengeUri,
  challengeValidationCall,
  readChallengeValidation,
  requestChallengeValidation,
} from './challengeValidation.ts'
export { challengeCommitment, deriveSalt } from './commitment.ts'
export {
  type ComputeAnswerParameters,
  type ComputeAnswerReturnType,
  computeAnswer,
} from './computeAnswer.ts'
export {
  computeScore,
  type InviteeEntry,
  type InviteeVerdict,
  inviteeVerdicts,
  passes,
} from './computeScore.ts'
export {
  type ChallengeConsent,
  CONSENT_KEY,
  consentsTo,
  encodeConsent,
  parseConsent,
  publishConsent,
  readConsent,
} from './consent.ts'
export {
  type ChallengeIndex,
  type CreateChallengeIndexParameters,
  createChallengeIndex,
} from './createChallengeIndex.ts'
export {
  expectedAnswers,
  type FinalizeChallengeParameters,
  type FinalizeChallengeReturnType,
  finalizeChallenge,
  finalizeChallengeCall,
  finalizedOf,
} from './finalizeChallenge.ts'
export {
  type OpenChallengeParameters,
  type OpenChallengeReturnType,
  openChallenge,
  openChallengeCall,
  openedOf,
} from './openChallenge.ts'
export { type ChallengeCapacity, readCapacityBound } from './readCapacityBound.ts'
export { type RegisteredAgent, registeredAgents } from './registeredAgents.ts'
export { solveCapacityTask } from './solveCapacityTask.ts'
export { solveCapacityTaskInWorker } from './solveCapacityTaskInWorker.ts'
