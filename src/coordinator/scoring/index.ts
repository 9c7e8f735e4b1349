export { type Accuracy, createAccuracy, type Tally } from './createAccuracy.ts'
export { fetchTruth } from './fetchTruth.ts'
export { predictionMismatches, type Score, scoreResult, truthFromResult } from './scoreResult.ts'
export { SCORED_FIELDS, type ScoredField, type Truth } from './truth.ts'
