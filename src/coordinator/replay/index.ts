export { loadReplay } from './loadReplay.ts'
