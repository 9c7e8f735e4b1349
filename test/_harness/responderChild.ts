/**
 * One Apiary agent's challenge responder in a process of its own: `node responderChild.ts RPC CONTRACT KEY`.
 * Prints `ready` once it has read the chain, then one line per state change; stops on SIGTERM.
 */
import { createPublicClient, createWalletClient, type Hex, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createChallengeResponder } from '../../src/agent/challenge/index.ts'
import { connectChain } from '../../src/chain/index.ts'
import { createLogger } from '../../src/internal/logger.ts'

const [rpc, contract, key] = process.argv.slice(2) as [string, Hex, Hex]
const { chain } = await connectChain(rpc)
const responder = createChallengeResponder({
  logger: createLogger({ level: 'silent' }),
  client: createPublicClient({ chain, transport: http(rpc) }),
  wallet: createWalletClient({ account: privateKeyToAccount(key), chain, transport: http(rpc) }),
  privateKey: key,
  contract,
})
let last = ''
const timer = setInterval(() => {
  const { registered, challenges } = responder.status()
  const line =
    registered === undefined
      ? ''
      : `ready ${JSON.stringify([...challenges.entries()].map(([id, s]) => [id.toString(), s]))}`
  if (line !== last) process.stdout.write(`${line}\n`)
  last = line
}, 100)
process.on('SIGTERM', () => {
  clearInterval(timer)
  void responder.close().then(() => process.exit(0))
})
