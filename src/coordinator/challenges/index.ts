export {
  type ChallengeWatcher,
  type ChallengeWatcherOptions,
  createChallengeWatcher,
  type LastChallenge,
} from './createChallengeWatcher.ts'
