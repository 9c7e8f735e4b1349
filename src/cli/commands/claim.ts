import type { Command } from '@commander-js/extra-typings'
import { formatEther } from 'viem'
import { z } from 'zod'
import { claimReward } from '../../chain/index.ts'
import { ApiaryError } from '../../internal/errors.ts'
import { stringifyJson } from '../../internal/json.ts'
import { booleanOption, resolveOptions } from '../../internal/options.ts'
import { addressOption, loadSigner } from '../chainOptions.ts'
import type { CliContext } from '../context.ts'

const schema = z.object({
  rpc: z.string().url(),
  contract: addressOption,
  keystore: z.string().optional(),
  passwordFile: z.string().optional(),
  privateKeyFile: z.string().optional(),
  address: addressOption.optional(),
  dryRun: booleanOption.default(false),
  json: booleanOption.default(false),
})

export function registerClaim(
  program: Command<[], { config?: string; logLevel?: string }>,
  context: CliContext,
): void {
  program
    .command('claim')
    .description(
      "Claim a payout wallet's rewards from an AgentRewardPool; the wallet pays the gas and receives everything.",
    )
    .option('--rpc <url>', 'JSON-RPC endpoint (APIARY_RPC)')
    .option('--contract <address>', 'the AgentRewardPool (APIARY_CONTRACT; /swarm/epochs shows it)')
    .option('--keystore <file>', 'the payout wallet, a v3 keystore (APIARY_KEYSTORE)')
    .option('--password-file <file>', 'password of the keystore (APIARY_PASSWORD_FILE)')
    .option(
      '--private-key-file <file>',
      'instead of a keystore, a file holding a 0x private key (APIARY_PRIVATE_KEY_FILE)',
    )
    .option('--address <address>', 'with --dry-run and no key: the payout wallet to check (APIARY_ADDRESS)')
    .option('--dry-run', 'show what is claimable and the gas a claim takes; send nothing (APIARY_DRY_RUN)')
    .option('--json', 'print the outcome as JSON (amounts in wei, decimal) (APIARY_JSON)')
    .addHelpText(
      'after',
      `
Anyone may also trigger a payout for a wallet with claimFor; the funds always go to the wallet.

Examples:
  apiary claim --rpc http://127.0.0.1:8545 --contract 0xPOOL… --keystore wallet.json --password-file wallet.pass
  apiary claim --rpc http://127.0.0.1:8545 --contract 0xPOOL… --address 0xWALLET… --dry-run`,
    )
    .action(async (flags) => {
      const options = resolveOptions(schema, { flags, configFile: context.configFile() })
      const keyless = options.keystore === undefined && options.privateKeyFile === undefined
      if (keyless && !(options.dryRun && options.address !== undefined))
        throw new ApiaryError(
          'APIARY_SIGNER_MISSING',
          'give the payout wallet: --keystore F with --password-file F, or --private-key-file F (a dry run may give --address)',
          { usage: true },
        )
      const account = keyless ? undefined : await loadSigner(options)
      const result = await claimReward({
        rpcUrl: options.rpc,
        pool: options.contract,
        account,
        address: options.address,
        dryRun: options.dryRun,
      })
      const out = {
        address: result.address,
        pool: options.contract,
        claimableWei: result.claimable.toString(),
        claimedWei: result.claimed.toString(),
        gas: Number(result.gas),
        txHash: result.txHash ?? null,
        dryRun: options.dryRun,
      }
      if (options.json) process.stdout.write(`${stringifyJson(out)}\n`)
      else if (result.claimable === 0n) process.stdout.write(`${result.address}: nothing to claim\n`)
      else if (result.txHash === undefined)
        process.stdout.write(
          `dry run: ${result.address} can claim ${formatEther(result.claimable)} ETH (${result.claimable} wei); gas ≈ ${result.gas}\n`,
        )
      else
        process.stdout.write(
          `claimed ${formatEther(result.claimed)} ETH (${result.claimed} wei) to ${result.address}  tx ${result.txHash}\n`,
        )
    })
}
