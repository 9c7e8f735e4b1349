import type { Command } from '@commander-js/extra-typings'
import { z } from 'zod'
import { startDevnet } from '../../chain/index.ts'
import { resolveOptions } from '../../internal/options.ts'
import type { CliContext } from '../context.ts'

const schema = z.object({
  host: z.string().default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65535).default(8545),
  chainId: z.coerce.number().int().positive().default(31337),
  blockTime: z.coerce.number().min(0).default(0),
  accounts: z.coerce.number().int().min(1).max(1000).default(20),
})

export function registerDevnet(
  program: Command<[], { config?: string; logLevel?: string }>,
  context: CliContext,
): void {
  program
    .command('devnet')
    .description(
      "Run the embedded EVM devnet (Hardhat's EDR, Prague rules) with funded dev accounts until Ctrl-C.",
    )
    .option('--port <port>', 'JSON-RPC port, 0 for any free one (APIARY_PORT; default 8545)')
    .option('--host <address>', 'address to bind (APIARY_HOST; default 127.0.0.1; the dev keys are public)')
    .option(
      '--block-time <seconds>',
      'mine a block every N seconds; 0 mines one per transaction (APIARY_BLOCK_TIME; default 0)',
    )
    .option('--chain-id <n>', 'chain id (APIARY_CHAIN_ID; default 31337)')
    .option('--accounts <n>', 'funded dev accounts, 10,000 ETH each (APIARY_ACCOUNTS; default 20)')
    .addHelpText('after', '\nExample:\n  apiary devnet --port 8545 --block-time 2')
    .action(async (flags) => {
      const options = resolveOptions(schema, { flags, configFile: context.configFile() })
      const common = context.common()
      const devnet = await startDevnet({ logger: common.logger }, options)
      common.shutdown.add(() => devnet.close())
      const out = process.stdout
      out.write(
        `devnet  ${devnet.url}  chain id ${devnet.chainId}  ${options.blockTime === 0 ? 'automine' : `block every ${options.blockTime} s`}\n`,
      )
      out.write('\nDev accounts (publicly known keys: never use them on a real network):\n')
      for (const [i, account] of devnet.accounts.entries())
        out.write(`  ${String(i).padStart(2)}  ${account.address}  ${account.privateKey}\n`)
      out.write('\nCtrl-C stops it.\n')
      await new Promise<void>((stopped) =>
        common.shutdown.signal.addEventListener('abort', () => stopped(), { once: true }),
      )
      await common.shutdown.close()
    })
}
