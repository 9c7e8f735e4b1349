import type { Command } from '@commander-js/extra-typings'
import { z } from 'zod'
import { sendFunds } from '../../chain/index.ts'
import { stringifyJson } from '../../internal/json.ts'
import { booleanOption, resolveOptions } from '../../internal/options.ts'
import { addressOption, amountOption, loadSigner, signerSchema } from '../chainOptions.ts'
import type { CliContext } from '../context.ts'

const schema = z.object({
  rpc: z.string().url(),
  ...signerSchema,
  amount: amountOption,
  addresses: z.array(addressOption).min(1, { error: 'give at least one address to fund' }),
  dryRun: booleanOption.default(false),
  json: booleanOption.default(false),
})

export function registerFund(
  program: Command<[], { config?: string; logLevel?: string }>,
  context: CliContext,
): void {
  program
    .command('fund')
    .description('Send Ether to one or more addresses (a hot wallet, agent wallets), one transfer each.')
    .argument('<address...>', 'addresses to fund')
    .option('--rpc <url>', 'JSON-RPC endpoint (APIARY_RPC)')
    .option('--keystore <file>', 'keystore of the paying account (APIARY_KEYSTORE)')
    .option('--password-file <file>', 'password of the keystore (APIARY_PASSWORD_FILE)')
    .option(
      '--private-key-file <file>',
      'instead of a keystore, a file holding a 0x private key (APIARY_PRIVATE_KEY_FILE)',
    )
    .option('--amount <amount>', 'to each address, in wei or with a unit: 0.1ether (APIARY_AMOUNT)')
    .option('--dry-run', 'check the balance covers every transfer and its fee; send nothing (APIARY_DRY_RUN)')
    .option('--json', 'print the transfers as JSON (APIARY_JSON)')
    .addHelpText(
      'after',
      '\nExample:\n  apiary fund --rpc http://127.0.0.1:8545 --keystore ops.json --password-file ops.pass --amount 0.1ether 0xHOT…',
    )
    .action(async (addresses, flags) => {
      const options = resolveOptions(schema, {
        flags: { ...flags, addresses },
        configFile: context.configFile(),
      })
      const result = await sendFunds({
        rpcUrl: options.rpc,
        from: await loadSigner(options),
        to: options.addresses,
        amount: options.amount,
        dryRun: options.dryRun,
      })
      if (options.json)
        process.stdout.write(
          `${stringifyJson({ ...result, amount: options.amount, dryRun: options.dryRun })}\n`,
        )
      else if (options.dryRun)
        process.stdout.write(
          `dry run: ${result.from} holds ${result.balance} wei; ${result.transfers.length} transfer(s) of ${options.amount} wei need at most ${result.needed} wei\n`,
        )
      else
        for (const t of result.transfers)
          process.stdout.write(`${t.to}  ${options.amount} wei  ${t.txHash}\n`)
    })
}
