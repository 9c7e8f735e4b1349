import type { Command } from '@commander-js/extra-typings'
import type { Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { z } from 'zod'
import { connectChain } from '../../chain/index.ts'
import { stringifyJson } from '../../internal/json.ts'
import { booleanOption, resolveOptions } from '../../internal/options.ts'
import { messageJson, readMessages } from '../../messaging/index.ts'
import { addressOption, loadPrivateKey, signerSchema } from '../chainOptions.ts'
import type { CliContext } from '../context.ts'
import { messageLine } from '../messageLine.ts'

const schema = z.object({
  rpc: z.string().url(),
  ...signerSchema,
  mailbox: addressOption,
  address: addressOption.optional(),
  since: z.coerce.number().int().min(0).optional(),
  json: booleanOption.default(false),
})

/** How far back `apiary messages` looks without --since. */
const DEFAULT_BLOCKS = 10_000n

export function registerMessages(
  program: Command<[], { config?: string; logLevel?: string }>,
  context: CliContext,
): void {
  program
    .command('messages')
    .description(
      'List the messages of a Mailbox: to one address, or all of them; decrypts yours with your wallet.',
    )
    .option('--rpc <url>', 'JSON-RPC endpoint (APIARY_RPC)')
    .option('--mailbox <address>', 'the Mailbox contract (APIARY_MAILBOX)')
    .option(
      '--address <address>',
      'only messages to this wallet (default: your wallet when you give one, else all)',
    )
    .option('--since <block>', 'from this block on (APIARY_SINCE; default the last 10,000 blocks)')
    .option('--keystore <file>', 'your wallet, to open messages encrypted to it (APIARY_KEYSTORE)')
    .option('--password-file <file>', 'password of the keystore (APIARY_PASSWORD_FILE)')
    .option(
      '--private-key-file <file>',
      'instead of a keystore, a file holding a 0x private key (APIARY_PRIVATE_KEY_FILE)',
    )
    .option('--json', 'print one JSON array of messages (APIARY_JSON)')
    .addHelpText(
      'after',
      `
Each line: id, block, sender → recipient, type and body. An encrypted message shows as [encrypted] to anyone
but its recipient; a payload no reader accepts shows its reason code (docs/spec/message.md).

Example:
  apiary messages --rpc http://127.0.0.1:8545 --mailbox 0x… --private-key-file me.key --since 100`,
    )
    .action(async (flags) => {
      const options = resolveOptions(schema, { flags, configFile: context.configFile() })
      const signed = options.keystore !== undefined || options.privateKeyFile !== undefined
      const privateKey = signed ? await loadPrivateKey(options) : undefined
      const reader =
        privateKey === undefined
          ? undefined
          : { address: privateKeyToAccount(privateKey).address.toLowerCase() as Address, privateKey }
      const to = options.address ?? reader?.address
      const { client } = await connectChain(options.rpc)
      const head = await client.getBlockNumber()
      const since =
        options.since === undefined
          ? head > DEFAULT_BLOCKS
            ? head - DEFAULT_BLOCKS
            : 0n
          : BigInt(options.since)
      const records = await readMessages({
        client,
        mailbox: options.mailbox,
        fromBlock: since,
        toBlock: head,
        to,
        reader,
      })
      if (options.json) {
        process.stdout.write(`${stringifyJson(records.map(messageJson))}\n`)
        return
      }
      process.stdout.write(
        records.length === 0
          ? `no messages${to === undefined ? '' : ` to ${to}`} in blocks ${since}–${head}\n`
          : `${records.map(messageLine).join('\n')}\n`,
      )
    })
}
