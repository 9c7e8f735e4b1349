import { Level, type TaskResult, type Witness } from '../../gen/apiary/v1/swarm_pb.js'

/** Largest contract code a state change may carry: twice EIP-3860's 49,152-byte initcode limit. */
const MAX_CODE_BYTES = 98_304
const LOG_GAS = 375
const LOG_TOPIC_GAS = 375
const LOG_DATA_GAS_PER_BYTE = 8
/** The cheapest way to make one account appear in a diff that the witness did not list (CALL to a new account). */
const NEW_ACCOUNT_GAS = 25_000
/** The cheapest SSTORE of a slot the witness did not list (cold access 2,100 + warm write 100). */
const NEW_SLOT_GAS = 2_200
/** Accounts any transaction may touch without reading them first: fee recipient and system contracts. */
const SLACK_ACCOUNTS = 8

/**
 * Whether a result is no larger than its task could make it; the reason when it is not. Every count and
 * byte length is bounded by the task: logs, return data and state changes by the gas the agent itself
 * claims (gas used ≤ the block's gas limit; refunds give back at most a fifth, so the transaction burned
 * at most 5/4 of it), state changes by the witness's accounts and slots plus what that gas can create.
 * Results of L1/L2 tasks and invalid verdicts carry no execution output at all.
 */
export function checkResultShape(result: TaskResult, level: Level, witness: Witness): string | undefined {
  if (!hexLength(result.txHash, result.valid ? [32] : [0, 32])) return 'tx_hash must be 32 bytes'
  if (!hexLength(result.sender, [0, 20])) return 'sender must be 20 bytes'
  if (!hexLength(result.createdAddress, [0, 20])) return 'created_address must be 20 bytes'
  if (!result.valid && result.rejectCode.length === 0) return 'an invalid verdict needs a reject_code'
  if (result.rejectCode.length > 64) return 'reject_code is longer than 64 characters'
  const executed = result.valid && (level === Level.L3 || level === Level.L4)
  if (!executed) {
    if (result.logs.length > 0 || result.returnData.length > 0 || result.stateChanges.length > 0)
      return 'only a valid L3 or L4 verdict carries logs, return data or state changes'
    return undefined
  }
  const gasLimit = witness.block?.gasLimit ?? 0n
  if (result.gasUsed > gasLimit) return `gas_used ${result.gasUsed} exceeds the block gas limit ${gasLimit}`
  const burned = Number((result.gasUsed * 5n) / 4n)

  let logGas = 0
  for (const log of result.logs) {
    if (log.address.length !== 20) return 'a log address must be 20 bytes'
    if (log.topics.length > 4) return 'a log has at most 4 topics'
    if (log.topics.some((topic) => topic.length !== 32)) return 'a log topic must be 32 bytes'
    logGas += LOG_GAS + LOG_TOPIC_GAS * log.topics.length + LOG_DATA_GAS_PER_BYTE * log.data.length
    if (logGas > burned) return 'the logs cost more gas than the transaction used'
  }
  if (memoryGas(result.returnData.length) > burned)
    return 'the return data is larger than the gas used could pay for'

  const witnessed = new Set<string>()
  let witnessedSlots = 0
  for (const account of witness.prestate) {
    witnessed.add(Buffer.from(account.address).toString('hex'))
    witnessedSlots += account.storage.length
  }
  let newAccounts = 0
  let slots = 0
  for (const change of result.stateChanges) {
    if (change.address.length !== 20) return 'a state change address must be 20 bytes'
    if (change.balance !== undefined && change.balance.length > 32) return 'a balance is at most 32 bytes'
    if (change.code !== undefined && change.code.length > MAX_CODE_BYTES)
      return `contract code is at most ${MAX_CODE_BYTES} bytes`
    if (change.storage.some((slot) => slot.key.length > 32 || slot.value.length > 32))
      return 'a storage key or value is at most 32 bytes'
    if (!witnessed.has(Buffer.from(change.address).toString('hex'))) newAccounts++
    slots += change.storage.length
  }
  if (newAccounts > SLACK_ACCOUNTS + Math.floor(burned / NEW_ACCOUNT_GAS))
    return 'more state changes than the witness and the gas used allow'
  if (slots > witnessedSlots + Math.floor(burned / NEW_SLOT_GAS))
    return 'more storage changes than the witness and the gas used allow'
  return undefined
}

/** EVM memory expansion cost of `bytes` bytes: 3 per word plus words² / 512. */
function memoryGas(bytes: number) {
  const words = Math.ceil(bytes / 32)
  return 3 * words + Math.floor((words * words) / 512)
}

function hexLength(bytes: Uint8Array, allowed: readonly number[]) {
  return allowed.includes(bytes.length)
}
