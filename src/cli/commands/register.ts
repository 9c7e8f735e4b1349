import type { Command } from '@commander-js/extra-typings'
import { z } from 'zod'
import { connectChain, registerAgent as registerAgentOnChain } from '../../chain/index.ts'
import { stringifyJson } from '../../internal/json.ts'
import { booleanOption, resolveOptions } from '../../internal/options.ts'
import { addressOption, loadSigner } from '../chainOptions.ts'
import type { CliContext } from '../context.ts'

const schema = z.object({
  rpc: z.string().url(),
  keystore: z.string().optional(),
  passwordFile: z.string().optional(),
  privateKeyFile: z.string().optional(),
  registry: addressOption,
  uri: z.string().min(1).max(8192).optional(),
  name: z.string().min(1).max(64).optional(),
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
    .option('--json', 'print agentId, wallet and transaction as JSON (APIARY_JSON)')
    .addHelpText(
      'after',
      `
A wallet operates at most one agent: registering it again prints the agent it already has and sends nothing.

Example:
  apiary register --rpc http://127.0.0.1:8545 --keystore wallet.json --password-file wallet.pass \\
    --registry 0x5fbdb2315678afecb367f032d93f642f64180aa3 --uri https://alice.example/agent.json`,
    )
    .action(async (flags) => {
      const options = resolveOptions(schema, { flags, configFile: context.configFile() })
      const account = await loadSigner(options)
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
      const wallet = account.address.toLowerCase()
      process.stdout.write(
        options.json
          ? `${stringifyJson({ ...result, wallet, registry: options.registry })}\n`
          : result.registered
            ? `registered agent ${result.agentId} (wallet ${wallet}) in ${result.txHash}\n`
            : `wallet ${wallet} already operates agent ${result.agentId}; nothing sent\n`,
      )
    })
}
