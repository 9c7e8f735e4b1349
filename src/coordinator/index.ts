export {
  type Coordinator,
  type CoordinatorOptions,
  type CoordinatorStatus,
  createCoordinator,
  type RewardOptions,
} from './createCoordinator.ts'
