import {
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
  zeroAddress,
} from 'viem'
import { operatedAgent, SwarmChallenge, sendCall, ValidationRegistry } from '../chain/index.ts'

/** A challenge's ERC-8004 validation (docs/spec/challenge.md#erc-8004-validation). */
export interface ChallengeValidation {
  /** The ValidationRegistry. */
  registry: Address
  requestHash: Hex
  /** The agent the swarm is registered as (its owner asked for the validation). */
  agentId: bigint
  /** The response in percent (the score / 100), once finalized; undefined before. */
  response: number | undefined
  tag: string
}

/** The challenge's ValidationRegistry and request hash; undefined when the contract publishes nowhere. */
async function target(client: PublicClient, contract: Address, id: bigint) {
  const [registry, requestHash] = await Promise.all([
    client.readContract({ address: contract, abi: SwarmChallenge.abi, functionName: 'validations' }),
    client.readContract({
      address: contract,
      abi: SwarmChallenge.abi,
      functionName: 'validationRequestHash',
      args: [id],
    }),
  ])
  return registry === zeroAddress ? undefined : { registry: registry.toLowerCase() as Address, requestHash }
}

/**
 * The ERC-8004 `validationRequest` of a challenge, made by the swarm's owner `owner` (the challenge's
 * creator): for sendCall, or encoded for an outbox. Undefined when the contract publishes nowhere or
 * `owner` operates no registered agent.
 */
export async function challengeValidationCall(
  client: PublicClient,
  { contract, owner, id }: { contract: Address; owner: Address; id: bigint },
) {
  const where = await target(client, contract, id)
  if (where === undefined) return undefined
  const identity = await client.readContract({
    address: contract,
    abi: SwarmChallenge.abi,
    functionName: 'registry',
  })
  const agentId = await operatedAgent(client, { registry: identity, wallet: owner })
  if (agentId === undefined) return undefined
  return {
    where: { ...where, agentId },
    call: {
      address: where.registry,
      abi: ValidationRegistry.abi,
      functionName: 'validationRequest' as const,
      args: [
        contract,
        agentId,
        challengeUri(client.chain?.id ?? 0, contract, id),
        where.requestHash,
      ] as const,
    },
  }
}

/** Asks the ValidationRegistry to record the challenge's verdict as the swarm's validation (see above). */
export async function requestChallengeValidation({
  client,
  wallet,
  contract,
  id,
}: {
  client: PublicClient
  wallet: WalletClient<Transport, Chain, Account>
  contract: Address
  id: bigint
}): Promise<(Omit<ChallengeValidation, 'response' | 'tag'> & { txHash: Hex }) | undefined> {
  const made = await challengeValidationCall(client, { contract, owner: wallet.account.address, id })
  if (made === undefined) return undefined
  const receipt = await sendCall({ client, wallet, ...made.call })
  return { ...made.where, txHash: receipt.transactionHash }
}

/** The challenge's validation as the registry holds it; undefined when nobody asked for it. */
export async function readChallengeValidation(
  client: PublicClient,
  contract: Address,
  id: bigint,
): Promise<ChallengeValidation | undefined> {
  const where = await target(client, contract, id)
  if (where === undefined) return undefined
  let status: readonly [Address, bigint, number, Hex, string, bigint]
  try {
    status = await client.readContract({
      address: where.registry,
      abi: ValidationRegistry.abi,
      functionName: 'getValidationStatus',
      args: [where.requestHash],
    })
  } catch {
    return undefined // no request (the registry says "unknown")
  }
  const [, agentId, response, , tag] = status
  return { ...where, agentId, response: tag === '' ? undefined : response, tag }
}

/** The challenge's on-chain record, as SwarmChallenge names it in its validation response. */
export function challengeUri(chainId: number, contract: Address, id: bigint): string {
  return `eip155:${chainId}:${contract.toLowerCase()}/challenges/${id}`
}
