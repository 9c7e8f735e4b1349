export { detectFormat } from './detectFormat.ts'
export { type FormatSummary, runFixtures, type RunFixturesParameters, type RunFixturesReturnType } from './runFixtures.ts'
export { FIXTURE_FORMATS, type CaseResult, type FixtureContext, type FixtureFormat } from './types.ts'
