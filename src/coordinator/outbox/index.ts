export {
  createOutbox,
  type Outbox,
  type OutboxCall,
  type OutboxDependencies,
  type OutboxStep,
} from './createOutbox.ts'
