import { create, type MessageInitShape } from '@bufbuild/protobuf'
import type { LocalAccount } from 'viem/accounts'
import {
  type CapabilitiesSchema,
  type Level,
  type RegisterRequest,
  RegisterRequestSchema,
} from '../gen/apiary/v1/swarm_pb.js'
import { walletBindingMessage } from './walletBindingMessage.ts'

export interface SignRegistrationParameters {
  agentId: string
  /** The payout wallet; it signs the binding. */
  wallet: LocalAccount
  chainId: bigint
  level: Level
  region: string
  maxInFlight: number
  agentVersion: string
  /** Client jobs it takes besides validation. */
  capabilities?: MessageInitShape<typeof CapabilitiesSchema> | undefined
  /** Unix seconds; default now. */
  signedAt?: bigint
}

/** A `RegisterRequest` with the payout wallet's EIP-191 signature over the binding message. */
export async function signRegistration({
  agentId,
  wallet,
  chainId,
  level,
  region,
  maxInFlight,
  agentVersion,
  capabilities,
  signedAt = BigInt(Math.floor(Date.now() / 1000)),
}: SignRegistrationParameters): Promise<RegisterRequest> {
  const signature = await wallet.signMessage({
    message: walletBindingMessage({ agentId, wallet: wallet.address, chainId, signedAt }),
  })
  return create(RegisterRequestSchema, {
    level,
    region,
    maxInFlight,
    payoutWallet: Buffer.from(wallet.address.slice(2), 'hex'),
    walletSignature: Buffer.from(signature.slice(2), 'hex'),
    signedAt,
    agentVersion,
    ...(capabilities === undefined ? {} : { capabilities }),
  })
}
