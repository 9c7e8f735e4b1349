export {
  type AcceptResult,
  type Assignment,
  type CreateDispatcherParameters,
  createDispatcher,
  type Dispatcher,
  type DispatchTask,
} from './createDispatcher.ts'
