import { createHmac } from 'node:crypto'
import { type Address, encodeAbiParameters, type Hex, keccak256 } from 'viem'

/** keccak256(abi.encode(answer, salt, agent)): what an agent commits (docs/spec/challenge.md#commit-and-reveal). */
export function challengeCommitment({
  answer,
  salt,
  agent,
}: {
  answer: Hex
  salt: Hex
  agent: Address
}): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: 'bytes32' }, { type: 'bytes32' }, { type: 'address' }],
      [answer, salt, agent],
    ),
  )
}

/**
 * The salt an Apiary agent uses for a challenge: HMAC-SHA256 keyed by its private key over
 * `apiary-challenge-salt:<chainId>:<contract>:<id>`, so it is secret and a restarted agent finds it again.
 */
export function deriveSalt({
  privateKey,
  chainId,
  contract,
  id,
}: {
  privateKey: Hex
  chainId: number
  contract: Address
  id: bigint
}): Hex {
  const hmac = createHmac('sha256', Buffer.from(privateKey.slice(2), 'hex'))
  hmac.update(`apiary-challenge-salt:${chainId}:${contract.toLowerCase()}:${id}`)
  return `0x${hmac.digest('hex')}`
}
