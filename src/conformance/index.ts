export { detectFormat } from './detectFormat.ts'
export {
  type FormatSummary,
  type RunFixturesParameters,
  type RunFixturesReturnType,
  runFixtures,
} from './runFixtures.ts'
export { type CaseResult, FIXTURE_FORMATS, type FixtureContext, type FixtureFormat } from './types.ts'
