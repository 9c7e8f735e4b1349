export { anchorArguments, type SealToAnchor } from './anchorArguments.ts'
export { checkAnchor, type ExpectedAnchor } from './checkAnchor.ts'
export { type Anchor, readAnchor } from './readAnchor.ts'
