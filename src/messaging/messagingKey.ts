import { secp256k1 } from '@noble/curves/secp256k1.js'
import {
  type Account,
  type Address,
  type Chain,
  type Hex,
  hexToBytes,
  type PublicClient,
  type Transport,
  toHex,
  type WalletClient,
} from 'viem'
import { publicKeyToAddress } from 'viem/accounts'
import { AgentRegistry, Mailbox, operatedAgent, setAgentMetadata } from '../chain/index.ts'
import { ApiaryError } from '../internal/errors.ts'
import { MESSAGING_KEY } from './envelope.ts'

export interface MessagingKey {
  /** Undefined when the address is not a registered agent wallet. */
  agentId: bigint | undefined
  /** The verified 33-byte compressed key, or undefined with the reason. */
  publicKey: Hex | undefined
  reason: string | undefined
}

/**
 * The key messages to `address` are encrypted to: the "messagingKey" metadata of the agent it operates,
 * accepted only when it is a valid secp256k1 point whose address is `address` (docs/spec/message.md#encryption-mode-0x01).
 */
export async function lookupMessagingKey({
  client,
  registry,
  address,
}: {
  client: PublicClient
  registry: Address
  address: Address
}): Promise<MessagingKey> {
  const agentId = await operatedAgent(client, { registry, wallet: address })
  if (agentId === undefined)
    return { agentId: undefined, publicKey: undefined, reason: 'not a registered agent wallet' }
  const value = await client.readContract({
    address: registry,
    abi: AgentRegistry.abi,
    functionName: 'getMetadata',
    args: [agentId, MESSAGING_KEY],
  })
  return { agentId, ...checkMessagingKey(value, address) }
}

/** Whether a published key value is the compressed public key of `wallet`. */
export function checkMessagingKey(
  value: Hex,
  wallet: Address,
): { publicKey: Hex | undefined; reason: string | undefined } {
  if (value === '0x') return { publicKey: undefined, reason: 'no messaging key published' }
  let uncompressed: Hex
  try {
    uncompressed = toHex(secp256k1.Point.fromBytes(hexToBytes(value)).toBytes(false))
  } catch {
    return { publicKey: undefined, reason: 'the published messaging key is not a secp256k1 point' }
  }
  if (hexToBytes(value).length !== 33)
    return { publicKey: undefined, reason: 'the published messaging key is not 33 bytes compressed' }
  if (publicKeyToAddress(uncompressed).toLowerCase() !== wallet.toLowerCase())
    return { publicKey: undefined, reason: "the published messaging key is not the agent wallet's" }
  return { publicKey: value, reason: undefined }
}

/** The 33-byte compressed public key of a private key. */
export function messagingPublicKey(privateKey: Hex): Hex {
  return toHex(secp256k1.getPublicKey(hexToBytes(privateKey), true))
}

/**
 * Publishes the wallet's public key as its agent's "messagingKey", so that others can encrypt to it; sends
 * nothing when it is already there. The wallet must operate a registered agent.
 */
export async function publishMessagingKey({
  client,
  wallet,
  registry,
  privateKey,
}: {
  client: PublicClient
  wallet: WalletClient<Transport, Chain, Account>
  registry: Address
  privateKey: Hex
}): Promise<{ agentId: bigint; publicKey: Hex; txHash: Hex | undefined }> {
  const me = wallet.account.address
  const publicKey = messagingPublicKey(privateKey)
  const current = await lookupMessagingKey({ client, registry, address: me })
  const agentId = current.agentId
  if (agentId === undefined)
    throw new ApiaryError(
      'APIARY_AGENT_NOT_REGISTERED',
      `${me.toLowerCase()} is not a registered agent wallet`,
      {
        usage: true,
        hints: ['register it first: apiary register'],
      },
    )
  if (current.publicKey === publicKey) return { agentId, publicKey, txHash: undefined }
  const txHash = await setAgentMetadata({
    client,
    wallet,
    registry,
    agentId,
    key: MESSAGING_KEY,
    value: publicKey,
  })
  return { agentId, publicKey, txHash }
}

/** The AgentRegistry a Mailbox was deployed with: where its recipients publish their keys. */
export function mailboxRegistry({
  client,
  mailbox,
}: {
  client: PublicClient
  mailbox: Address
}): Promise<Address> {
  return client.readContract({ address: mailbox, abi: Mailbox.abi, functionName: 'registry' })
}
