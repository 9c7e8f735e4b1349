export {
  type Coordinator,
  type CoordinatorOptions,
  type CoordinatorStatus,
  createCoordinator,
} from './createCoordinator.ts'
