export { type Anchorer, type AnchorStatus, createAnchorer } from './createAnchorer.ts'
export { createSealer, type Sealer, type SealerDependencies, type SealerStatus } from './createSealer.ts'
export { pinCar } from './pinCar.ts'
export { type SealContext, type SealEpochParameters, sealEpoch, writeIndex } from './sealEpoch.ts'
