import type { Command } from '@commander-js/extra-typings'
import { z } from 'zod'
import {
  deployEpochRegistry,
  deployJobEscrow,
  deployRewardPool,
  deploySwarmContracts,
} from '../../chain/index.ts'
import { stringifyJson } from '../../internal/json.ts'
import { booleanOption, resolveOptions } from '../../internal/options.ts'
import { addressOption, loadSigner, signerSchema } from '../chainOptions.ts'
import type { CliContext } from '../context.ts'

/** The chain and the deploying account, which pays the gas: the options every deploy takes. */
const signer = <T extends Command<[], Record<string, unknown>>>(command: T): T =>
  command
    .option('--rpc <url>', 'JSON-RPC endpoint (APIARY_RPC)')
    .option('--keystore <file>', 'keystore of the deploying account, which pays the gas (APIARY_KEYSTORE)')
    .option('--password-file <file>', 'password of the keystore (APIARY_PASSWORD_FILE)')
    .option(
      '--private-key-file <file>',
      'instead of a keystore, a file holding a 0x private key (APIARY_PRIVATE_KEY_FILE)',
    ) as unknown as T

const schema = z.object({
  rpc: z.string().url(),
  ...signerSchema,
  coordinator: addressOption,
  json: booleanOption.default(false),
})

export function registerDeploy(
  program: Command<[], { config?: string; logLevel?: string }>,
  context: CliContext,
): void {
  const deploy = program.command('deploy').description('Deploy Apiary contracts.')
  for (const [name, what, deployer] of [
    [
      'reward-pool',
      'Deploy an AgentRewardPool (f1 settlement) whose coordinator (the only account allowed to settle epochs) is --coordinator; prints its address.',
      deployRewardPool,
    ],
    [
      'epoch-registry',
      'Deploy an EpochRegistry (seal anchors and merkle settlement) whose coordinator (the only account allowed to seal epochs) is --coordinator; prints its address.',
      deployEpochRegistry,
    ],
  ] as const)
    signer(deploy.command(name))
      .description(what)
      .option('--coordinator <address>', "the coordinator's hot wallet (APIARY_COORDINATOR)")
      .option('--json', 'print address, transaction, block and gas as JSON (APIARY_JSON)')
      .addHelpText(
        'after',
        `
The coordinator role moves in two steps (transferOwnership, then acceptOwnership by the new one).

Example:
  apiary deploy ${name} --rpc http://127.0.0.1:8545 --keystore deployer.json --password-file deployer.pass \\
    --coordinator 0x70997970c51812dc3a010c7d01b50e0d17dc79c8`,
      )
      .action(async (flags) => {
        const options = resolveOptions(schema, { flags, configFile: context.configFile() })
        const deployed = await deployer({
          rpcUrl: options.rpc,
          deployer: await loadSigner(options),
          coordinator: options.coordinator,
        })
        process.stdout.write(
          options.json
            ? `${stringifyJson({ ...deployed, coordinator: options.coordinator })}\n`
            : `${deployed.address}\n`,
        )
      })
  signer(deploy.command('job-escrow'))
    .description(
      "Deploy a JobEscrow (clients' prepaid job fees, docs/jobs.md) that --coordinator charges, taking the chain's coin and, with --token, one ERC-20; prints its address.",
    )
    .option('--coordinator <address>', "the coordinator's hot wallet, which charges (APIARY_COORDINATOR)")
    .option('--token <address>', 'the ERC-20 clients may also pay in, e.g. a stablecoin (APIARY_TOKEN)')
    .option(
      '--withdraw-delay <seconds>',
      'how long a client waits between announcing a withdrawal and making it (APIARY_WITHDRAW_DELAY; default 86400)',
    )
    .option('--json', 'print address, transaction, block and gas as JSON (APIARY_JSON)')
    .action(async (flags) => {
      const options = resolveOptions(escrowSchema, { flags, configFile: context.configFile() })
      const deployed = await deployJobEscrow({
        rpcUrl: options.rpc,
        deployer: await loadSigner(options),
        coordinator: options.coordinator,
        token: options.token,
        withdrawDelaySeconds: options.withdrawDelay,
      })
      process.stdout.write(options.json ? `${stringifyJson(deployed)}\n` : `${deployed.address}\n`)
    })
  signer(deploy.command('swarm-challenge'))
    .description(
      'Deploy a SwarmChallenge (Proof of Swarm), a Mailbox (agent messages) and, unless --registry and --validation-registry name them, the AgentRegistry both take agents from and the ERC-8004 ValidationRegistry challenges are published in; prints the addresses.',
    )
    .option('--registry <address>', 'an AgentRegistry already deployed (APIARY_REGISTRY)')
    .option(
      '--validation-registry <address>',
      'an ERC-8004 ValidationRegistry already deployed (APIARY_VALIDATION_REGISTRY)',
    )
    .option('--json', 'print the addresses and block as JSON (APIARY_JSON)')
    .action(async (flags) => {
      const options = resolveOptions(swarmSchema, { flags, configFile: context.configFile() })
      const deployed = await deploySwarmContracts({
        rpcUrl: options.rpc,
        deployer: await loadSigner(options),
        registry: options.registry,
        validations: options.validationRegistry,
      })
      process.stdout.write(
        options.json
          ? `${stringifyJson(deployed)}\n`
          : `AgentRegistry      ${deployed.registry}\nValidationRegistry ${deployed.validations}\nSwarmChallenge     ${deployed.challenge}\nMailbox            ${deployed.mailbox}\n`,
      )
    })
}

const swarmSchema = z.object({
  rpc: z.string().url(),
  ...signerSchema,
  registry: addressOption.optional(),
  validationRegistry: addressOption.optional(),
  json: booleanOption.default(false),
})

const escrowSchema = z.object({
  rpc: z.string().url(),
  ...signerSchema,
  coordinator: addressOption,
  token: addressOption.optional(),
  withdrawDelay: z.coerce
    .number()
    .int()
    .min(0)
    .max(365 * 86_400)
    .default(86_400),
  json: booleanOption.default(false),
})
