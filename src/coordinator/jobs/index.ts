export {
  type ChatEvent,
  type ChatGateway,
  type ChatPrice,
  type ChatPrices,
  type ChatRequest,
  createChatGateway,
  DEFAULT_CHAT_PRICES,
} from './createChatGateway.ts'
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
