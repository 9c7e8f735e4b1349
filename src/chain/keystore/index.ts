export { type ReadKeystoreReturnType, readKeystore } from './readKeystore.ts'
export { type WriteKeystoreParameters, type WriteKeystoreReturnType, writeKeystore } from './writeKeystore.ts'
