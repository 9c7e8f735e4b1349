export { type Anchorer, type AnchorStatus, anchorArguments, createAnchorer } from './createAnchorer.ts'
export { createSealer, type Sealer, type SealerDependencies, type SealerStatus } from './createSealer.ts'
export { pinCar } from './pinCar.ts'
export { type SealContext, type SealEpochParameters, sealEpoch, writeIndex } from './sealEpoch.ts'
