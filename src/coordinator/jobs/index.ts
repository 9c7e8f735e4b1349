export {
  type Asset,
  createJobBoard,
  DEFAULT_JOB_PRICES,
  type JobBoard,
  type JobBoardDependencies,
  type JobPrices,
  type JobRequest,
  jobIdOf,
  jobKey,
  type SubmitOutcome,
} from './createJobBoard.ts'
