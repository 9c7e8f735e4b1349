export {
  type ChallengeResponder,
  type ChallengeResponderOptions,
  type ChallengeResponderStatus,
  createChallengeResponder,
} from './createChallengeResponder.ts'
