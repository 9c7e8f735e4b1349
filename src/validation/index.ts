export { bigIntToBytes, bigIntToHex, bytesToBigInt, concatBytes, fromHex, type Hex, toHex } from './bytes.ts'
export {
  type CaptureWitnessParameters,
  type CaptureWitnessReturnType,
  captureWitness,
} from './captureWitness.ts'
export { checkTransactionRules } from './checkTransactionRules.ts'
export {
  type CreateEngineCryptoParameters,
  createEngineCrypto,
  type EngineCrypto,
  type Kzg,
} from './crypto.ts'
export {
  type DecodeTransactionParameters,
  decodeTransaction,
  MAX_TRANSACTION_BYTES,
} from './decodeTransaction.ts'
export { diffState, type StateDiff, type TracerAccount } from './diffState.ts'
export { encodeRpcTransaction, type RpcTransactionJson } from './encodeRpcTransaction.ts'
export { encodeTransaction } from './encodeTransaction.ts'
export { evmCommon } from './evmCommon.ts'
export {
  type ExecuteTransactionContext,
  type ExecuteTransactionParameters,
  type ExecutionAccepted,
  type ExecutionRejected,
  type ExecutionVerdict,
  executeTransaction,
  type Log,
} from './executeTransaction.ts'
export type { Rejection } from './failure.ts'
export { forkFromGethConfig } from './forkFromGethConfig.ts'
export {
  type BlobParameters,
  blobParameters,
  FORKS,
  type Fork,
  forkAtLeast,
  LATEST_FORK,
  parseFork,
} from './forks.ts'
export { type IntrinsicGas, intrinsicGas } from './intrinsicGas.ts'
export { logsHash } from './logsHash.ts'
export { normalizeAddress, parseWitness, slotKey } from './parseWitness.ts'
export { EEST_EXCEPTIONS, REJECT_CODES, type RejectCode } from './reasons.ts'
export {
  type CallOutcome,
  type SimulationCall,
  type SimulationOutput,
  simulateCalls,
} from './simulateCalls.ts'
export {
  type SimulationInput,
  simulationCalls,
  simulationInput,
  simulationTransaction,
} from './simulationInput.ts'
export { stateRoot } from './stateRoot.ts'
export {
  BEACON_ROOTS_ADDRESS,
  beaconRootWrites,
  HISTORY_STORAGE_ADDRESS,
  historyWrites,
} from './systemWrites.ts'
export type {
  AccessListEntry,
  Authorization,
  DecodedTransaction,
  TransactionFields,
  TransactionType,
} from './transaction.ts'
export {
  type EnvelopeAccepted,
  type EnvelopeRejected,
  type EnvelopeVerdict,
  type ValidateEnvelopeParameters,
  validateEnvelope,
} from './validateEnvelope.ts'
export {
  type StateAccepted,
  type StateVerdict,
  type ValidateStateParameters,
  validateState,
} from './validateState.ts'
export { createVmPool, type VmPool } from './vmPool.ts'
export type { AccountState, BlockContext, Witness } from './witness.ts'
export type { StateFallback } from './witnessState.ts'
