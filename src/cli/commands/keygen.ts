import type { Command } from '@commander-js/extra-typings'
import { z } from 'zod'
import { writeKeystore } from '../../chain/index.ts'
import { resolveOptions } from '../../internal/options.ts'
import { readSecretFile } from '../chainOptions.ts'
import type { CliContext } from '../context.ts'

const schema = z.object({ out: z.string(), passwordFile: z.string() })

export function registerKeygen(
  program: Command<[], { config?: string; logLevel?: string }>,
  context: CliContext,
): void {
  program
    .command('keygen')
    .description(
      "Create an agent's payout wallet: a new key in an encrypted keystore (Web3 Secret Storage v3, mode 0600).",
    )
    .option('--out <file>', 'keystore to write; never overwritten (APIARY_OUT)')
    .option(
      '--password-file <file>',
      'file holding the password, at least 8 characters (APIARY_PASSWORD_FILE)',
    )
    .addHelpText(
      'after',
      '\nPrints the wallet address. Example:\n  apiary keygen --out wallet.json --password-file wallet.pass',
    )
    .action(async (flags) => {
      const options = resolveOptions(schema, { flags, configFile: context.configFile() })
      const password = readSecretFile(options.passwordFile)
      const { address } = await writeKeystore({ path: options.out, password })
      process.stdout.write(`${address}\n`)
    })
}
