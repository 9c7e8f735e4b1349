export type { JobOptions } from './coordinatorOptions.ts'
export type { CoordinatorStatus } from './coordinatorStatus.ts'
export { type Coordinator, type CoordinatorOptions, createCoordinator } from './createCoordinator.ts'
export type { RewardOptions } from './epochs/index.ts'
