import {
  type Abi,
  type Account,
  BaseError,
  type Chain,
  ContractFunctionRevertedError,
  decodeErrorResult,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from 'viem'
import { ApiaryError } from '../internal/errors.ts'

export interface SendCallParameters {
  client: PublicClient
  wallet: WalletClient<Transport, Chain, Account>
  address: Hex
  abi: Abi
  functionName: string
  args?: readonly unknown[]
  value?: bigint
  /** Give up waiting for the receipt after this long. */
  timeoutMs?: number
}

/**
 * Simulates a contract call, sends it and waits for its receipt. A call the contract refuses fails before
 * anything is sent, as `APIARY_CONTRACT_REVERT` naming the contract's error and its arguments
 * (e.g. `commit reverted: CommitClosed(…)`); a transaction that reverts on-chain anyway fails the same way.
 */
export async function sendCall({
  client,
  wallet,
  address,
  abi,
  functionName,
  args = [],
  value,
  timeoutMs = 120_000,
}: SendCallParameters): Promise<TransactionReceipt> {
  let request: unknown
  try {
    ;({ request } = await client.simulateContract({
      address,
      abi,
      functionName,
      args,
      account: wallet.account,
      blockTag: 'pending',
      ...(value === undefined ? {} : { value }),
    } as never))
  } catch (error) {
    throw revertError(functionName, error, abi)
  }
  let hash: Hex
  try {
    hash = await wallet.writeContract({ ...(request as object), abi } as never)
  } catch (error) {
    throw revertError(functionName, error, abi)
  }
  const receipt = await client.waitForTransactionReceipt({ hash, timeout: timeoutMs })
  if (receipt.status !== 'success')
    throw new ApiaryError('APIARY_CONTRACT_REVERT', `${functionName} ${hash} reverted on-chain`, {
      details: { txHash: hash },
    })
  return receipt
}

/** The contract's custom error inside a viem error, as an ApiaryError (other failures pass through). */
export function revertError(functionName: string, error: unknown, abi?: Abi): unknown {
  if (!(error instanceof BaseError)) return error
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError)
  if (!(reverted instanceof ContractFunctionRevertedError)) return error
  let data: { errorName: string; args?: readonly unknown[] | undefined } | undefined = reverted.data
  if (data === undefined && reverted.raw !== undefined && abi !== undefined) {
    try {
      data = decodeErrorResult({ abi, data: reverted.raw })
    } catch {}
  }
  const name = data?.errorName ?? reverted.reason ?? 'unknown error'
  const args = (data?.args ?? []).map((a) => (typeof a === 'bigint' ? a.toString() : String(a)))
  return new ApiaryError('APIARY_CONTRACT_REVERT', `${functionName} reverted: ${name}(${args.join(', ')})`, {
    details: { error: name, args },
    cause: error,
  })
}
