export { checkAnchor, type ExpectedAnchor } from './checkAnchor.ts'
export { type Anchor, readAnchor } from './readAnchor.ts'
