import type { Command } from '@commander-js/extra-typings'
import { mnemonicToAccount } from 'viem/accounts'
import { z } from 'zod'
import { createRpcClient, createTraffic, DEVNET_MNEMONIC, redactUrl } from '../../chain/index.ts'
import { ApiaryError } from '../../internal/errors.ts'
import { resolveOptions } from '../../internal/options.ts'
import type { CliContext } from '../context.ts'

const schema = z.object({
  rpc: z.string().url(),
  tps: z.coerce.number().positive().max(10_000).default(5),
  duration: z.coerce.number().positive().optional(),
  senders: z.coerce.number().int().min(1).max(200).default(8),
  mnemonic: z.string().default(DEVNET_MNEMONIC),
  seed: z.coerce.number().int().default(1),
})

export function registerTraffic(
  program: Command<[], { config?: string; logLevel?: string }>,
  context: CliContext,
): void {
  program
    .command('traffic')
    .description(
      'Send realistic signed traffic to a chain: transfers, ERC-20, AMM swaps, deployments, reverts, EIP-7702.',
    )
    .option('--rpc <url>', 'JSON-RPC endpoint, e.g. the URL apiary devnet prints (APIARY_RPC)')
    .option('--tps <n>', 'transactions per second (APIARY_TPS; default 5)')
    .option('--duration <seconds>', 'stop after this long; default: until Ctrl-C (APIARY_DURATION)')
    .option('--senders <n>', 'accounts that send, after the deployer (APIARY_SENDERS; default 8)')
    .option(
      '--mnemonic <words>',
      'funded accounts to use (APIARY_MNEMONIC; default the public devnet mnemonic)',
    )
    .option('--seed <n>', 'seed of the pseudo-random mix (APIARY_SEED; default 1)')
    .addHelpText('after', '\nExample:\n  apiary traffic --rpc http://127.0.0.1:8545 --tps 20 --duration 60')
    .action(async (flags) => {
      const options = resolveOptions(schema, { flags, configFile: context.configFile() })
      const common = context.common()
      const chainId = await fetchChainId(options.rpc)
      const accounts = Array.from({ length: options.senders + 1 }, (_, addressIndex) => {
        const key = mnemonicToAccount(options.mnemonic, { addressIndex }).getHdKey().privateKey as Uint8Array
        return { privateKey: `0x${Buffer.from(key).toString('hex')}` as const }
      })
      const traffic = createTraffic(
        { logger: common.logger },
        { rpcUrl: options.rpc, chainId, accounts, seed: options.seed },
      )
      const { tokens, pool } = await traffic.setup({ signal: common.shutdown.signal })
      process.stdout.write(
        `tokens ${tokens.join(' ')}  pool ${pool}\nsending ${options.tps} tx/s; Ctrl-C stops\n`,
      )
      const stop =
        options.duration === undefined
          ? common.shutdown.signal
          : AbortSignal.any([common.shutdown.signal, AbortSignal.timeout(options.duration * 1000)])
      const { sent, refused } = await traffic.run({ tps: options.tps, signal: stop })
      const byKind = new Map<string, number>()
      for (const s of sent) byKind.set(s.kind, (byKind.get(s.kind) ?? 0) + 1)
      process.stdout.write(
        `sent ${sent.length} (${refused} refused): ${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ')}\n`,
      )
      await common.shutdown.close()
    })
}

async function fetchChainId(rpc: string): Promise<number> {
  try {
    return Number(BigInt((await createRpcClient(rpc, { timeoutMs: 10_000 })('eth_chainId', [])) as string))
  } catch (cause) {
    throw new ApiaryError('APIARY_RPC_UNREACHABLE', `no JSON-RPC answer from ${redactUrl(rpc)}`, {
      cause,
      retryable: true,
      hints: ['start a chain with: apiary devnet'],
    })
  }
}
