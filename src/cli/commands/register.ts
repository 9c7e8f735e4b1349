import type { Command } from '@commander-js/extra-typings'
import { createWalletClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { z } from 'zod'
import { connectChain, registerAgent as registerAgentOnChain, rpcTransport } from '../../chain/index.ts'
import { publishConsent } from '../../challenge/index.ts'
import { stringifyJson } from '../../internal/json.ts'
import { booleanOption, resolveOptions } from '../../internal/options.ts'
import { publishMessagingKey } from '../../messaging/index.ts'
import { addressOption, loadPrivateKey, signerSchema } from '../chainOptions.ts'
import type { CliContext } from '../context.ts'

const schema = z.object({
  rpc: z.string().url(),
  ...signerSchema,
  registry: addressOption,
  uri: z.string().min(1).max(8192).optional(),
  name: z.string().min(1).max(64).optional(),
  messagingKey: booleanOption.default(true),
  acceptChallenges: z
    .string()
    .transform((s) => s.trim().toLowerCase())
    .pipe(
      z.union([
        z.enum(['any', 'none']),
        z
          .string()
          .transform((s) => s.split(',').map((x) => x.trim()))
          .pipe(z.array(addressOption).min(1).max(64)),
      ]),
    )
    .optional(),
  maxChallengesPerDay: z.coerce.number().int().min(1).max(4_294_967_295).default(48),
  json: booleanOption.default(false),
})

export function registerRegister(
  program: Command<[], { config?: string; logLevel?: string }>,
  context: CliContext,
): void {
  program
    .command('register')
    .description(
      'Register your agent wallet in an AgentRegistry (ERC-8004 identity), so that swarm challenges can invite it.',
    )
    .option('--rpc <url>', 'JSON-RPC endpoint (APIARY_RPC)')
    .option(
      '--keystore <file>',
      'the agent wallet: it owns and operates the agent, and pays the gas (APIARY_KEYSTORE)',
    )
    .option('--password-file <file>', 'password of the keystore (APIARY_PASSWORD_FILE)')
    .option(
      '--private-key-file <file>',
      'instead of a keystore, a file holding a 0x private key (APIARY_PRIVATE_KEY_FILE)',
    )
    .option('--registry <address>', 'the AgentRegistry (APIARY_REGISTRY)')
    .option(
      '--uri <uri>',
      'your registration file (ipfs://, https://, data:); default: a data: URI with --name and the wallet (APIARY_URI)',
    )
    .option('--name <name>', 'agent name for the default registration file (APIARY_NAME)')
    .option(
      '--no-messaging-key',
      "do not publish the wallet's public key (without it, others cannot send you encrypted messages)",
    )
    .option(
      '--accept-challenges <any|none|address,...>',
      'publish in the entry which creators may invite this agent to swarm challenges: any, none, or these (APIARY_ACCEPT_CHALLENGES; default: leave it as it is, none at first)',
    )
    .option(
      '--max-challenges-per-day <n>',
      'with --accept-challenges: how many a day it answers, published beside it (APIARY_MAX_CHALLENGES_PER_DAY; default 48)',
    )
    .option('--json', 'print agentId, wallet and transaction as JSON (APIARY_JSON)')
    .addHelpText(
      'after',
      `
A wallet that already operates an agent is not registered again: the agent it has is printed, nothing is sent
(the registry lets an owner register several agents, as ERC-8004 does; this command registers one per wallet).
Then the wallet's public key is published as the agent's "messagingKey" (once), so that others can send it
encrypted messages (docs/spec/message.md). Swarm challenges are opt-in: no challenge can invite an agent until
its entry says whom it accepts them from (--accept-challenges; docs/challenges.md#consent).

Example:
  apiary register --rpc http://127.0.0.1:8545 --keystore wallet.json --password-file wallet.pass \\
    --registry 0x5fbdb2315678afecb367f032d93f642f64180aa3 --uri https://alice.example/agent.json`,
    )
    .action(async (flags) => {
      const options = resolveOptions(schema, { flags, configFile: context.configFile() })
      const privateKey = await loadPrivateKey(options)
      const account = privateKeyToAccount(privateKey)
      const { chain, client } = await connectChain(options.rpc)
      const result = await registerAgentOnChain({
        client,
        chain,
        rpcUrl: options.rpc,
        registry: options.registry,
        account,
        uri: options.uri,
        name: options.name,
      })
      const published = options.messagingKey
        ? await publishMessagingKey({
            client,
            wallet: createWalletClient({ account, chain, transport: rpcTransport(options.rpc) }),
            registry: options.registry,
            privateKey,
          })
        : undefined
      const consent =
        options.acceptChallenges === undefined
          ? undefined
          : {
              maxPerDay: options.acceptChallenges === 'none' ? 0 : options.maxChallengesPerDay,
              creators: Array.isArray(options.acceptChallenges) ? options.acceptChallenges : undefined,
            }
      const consentTx =
        consent === undefined
          ? undefined
          : await publishConsent({
              client,
              wallet: createWalletClient({ account, chain, transport: rpcTransport(options.rpc) }),
              registry: options.registry,
              agentId: result.agentId,
              consent,
            })
      const wallet = account.address.toLowerCase()
      process.stdout.write(
        options.json
          ? `${stringifyJson({ ...result, wallet, registry: options.registry, messagingKey: published?.publicKey, messagingKeyTxHash: published?.txHash, challengeConsent: consent, challengeConsentTxHash: consentTx })}\n`
          : `${
              result.registered
                ? `registered agent ${result.agentId} (wallet ${wallet}) in ${result.txHash}`
                : `wallet ${wallet} already operates agent ${result.agentId}; nothing sent`
            }\n${
              published === undefined
                ? ''
                : published.txHash === undefined
                  ? `messaging key ${published.publicKey} already published\n`
                  : `published messaging key ${published.publicKey} in ${published.txHash}\n`
            }${
              consent === undefined
                ? ''
                : `${consent.maxPerDay === 0 ? 'accepts no challenges' : `accepts up to ${consent.maxPerDay} challenges a day from ${consent.creators === undefined ? 'any creator' : consent.creators.join(', ')}`}${consentTx === undefined ? ' (already published)' : ` (published in ${consentTx})`}\n`
            }`,
      )
    })
}
