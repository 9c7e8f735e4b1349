export { createSettler, type Settler, type SettlerDependencies, type SettlerStatus } from './createSettler.ts'
