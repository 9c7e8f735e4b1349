export {
  breakAccount,
  buildCanaryTransaction,
  CANARY_DRAW,
} from './buildCanary.ts'
export {
  type CanaryMaker,
  type CanaryStatus,
  type CanaryTask,
  createCanaryMaker,
  DEFAULT_CANARY_RATE,
} from './createCanaryMaker.ts'
export { EXCLUDE_AFTER_CANARY_FAILURES, type Exclusion, excludeIfDue } from './excludeIfDue.ts'
