import {
  type Account,
  type Address,
  type Chain,
  concat,
  type Hex,
  numberToHex,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem'
import { AgentRegistry, setAgentMetadata } from '../chain/index.ts'

/** The registry metadata key an agent publishes its consent to challenges under (docs/spec/challenge.md#consent). */
export const CONSENT_KEY = 'apiary.challenges'

/** What an agent accepts: how many challenges a day, and from which creators (undefined: any). */
export interface ChallengeConsent {
  maxPerDay: number
  creators: readonly Address[] | undefined
}

/** The metadata value: maxPerDay as 4 bytes big-endian, then each creator as 20 bytes (none: any creator). */
export function encodeConsent({ maxPerDay, creators }: ChallengeConsent): Hex {
  return concat([numberToHex(maxPerDay, { size: 4 }), ...(creators ?? []).map((a) => a.toLowerCase() as Hex)])
}

/** The consent a metadata value gives, or undefined when it gives none (empty, malformed, or 0 a day). */
export function parseConsent(value: Hex): ChallengeConsent | undefined {
  const bytes = value.slice(2)
  if (bytes.length < 8 || (bytes.length - 8) % 40 !== 0) return undefined
  const maxPerDay = Number.parseInt(bytes.slice(0, 8), 16)
  if (maxPerDay === 0) return undefined
  const creators: Address[] = []
  for (let at = 8; at < bytes.length; at += 40) creators.push(`0x${bytes.slice(at, at + 40)}` as Address)
  return { maxPerDay, creators: creators.length === 0 ? undefined : creators }
}

/** Whether `consent` lets `creator` invite the agent, as SwarmChallenge checks it. */
export function consentsTo(consent: ChallengeConsent | undefined, creator: Address): boolean {
  if (consent === undefined) return false
  return (
    consent.creators === undefined || consent.creators.some((c) => c.toLowerCase() === creator.toLowerCase())
  )
}

/** The consent agent `agentId` published in `registry` (undefined: none). */
export async function readConsent(
  client: PublicClient,
  { registry, agentId }: { registry: Address; agentId: bigint },
): Promise<ChallengeConsent | undefined> {
  const value = await client.readContract({
    address: registry,
    abi: AgentRegistry.abi,
    functionName: 'getMetadata',
    args: [agentId, CONSENT_KEY],
  })
  return parseConsent(value)
}

/** Publishes an agent's consent in its registry entry (by its owner), unless it is already there. */
export function publishConsent({
  consent,
  ...rest
}: {
  client: PublicClient
  wallet: WalletClient<Transport, Chain, Account>
  registry: Address
  agentId: bigint
  consent: ChallengeConsent
}): Promise<Hex | undefined> {
  return setAgentMetadata({ ...rest, key: CONSENT_KEY, value: encodeConsent(consent) })
}
