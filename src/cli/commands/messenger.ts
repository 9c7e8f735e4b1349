import type { Command } from '@commander-js/extra-typings'
import { privateKeyToAccount } from 'viem/accounts'
import { z } from 'zod'
import { createMessenger } from '../../agent/index.ts'
import { connectChain } from '../../chain/index.ts'
import { resolveOptions } from '../../internal/options.ts'
import {
  addReplyFlags,
  defaultInbox,
  loadPrivateKey,
  messengerOptions,
  messengerSchema,
  replyOptionsFrom,
  signerSchema,
} from '../chainOptions.ts'
import type { CliContext } from '../context.ts'

const schema = z.object({
  rpc: z.string().url(),
  ...signerSchema,
  ...messengerSchema,
})

export function registerMessenger(
  program: Command<[], { config?: string; logLevel?: string }>,
  context: CliContext,
): void {
  const command = program
    .command('messenger')
    .description(
      "Run a wallet's messenger on its own: read its messages from a Mailbox, answer ping with pong, acknowledge what asks for it.",
    )
    .option('--rpc <url>', 'JSON-RPC endpoint (APIARY_RPC)')
    .option('--keystore <file>', 'the wallet whose messages to read; it pays for replies (APIARY_KEYSTORE)')
    .option('--password-file <file>', 'password of the keystore (APIARY_PASSWORD_FILE)')
    .option(
      '--private-key-file <file>',
      'instead of a keystore, a file holding a 0x private key (APIARY_PRIVATE_KEY_FILE)',
    )
    .option('--mailbox <address>', 'the Mailbox contract (APIARY_MAILBOX)')
    .option(
      '--inbox <file>',
      'SQLite file of the cursor, the messages and the replies (APIARY_INBOX; default ./apiary-inbox-<wallet>.sqlite)',
    )
    .option(
      '--message-confirmations <n>',
      'blocks on top of a message before it is read, against reorgs (APIARY_MESSAGE_CONFIRMATIONS; default 1)',
    )
    .option(
      '--messages-from-block <n>',
      'where to start the first time (APIARY_MESSAGES_FROM_BLOCK; default 10,000 blocks back)',
    )
    .addHelpText(
      'after',
      `
The inbox file makes restarts safe: no message is handled twice and none is missed, and every reply is sent
exactly once. apiary agent --mailbox runs the same messenger beside the validation work.

Example:
  apiary messenger --rpc http://127.0.0.1:8545 --private-key-file me.key --mailbox 0x…`,
    )
    .action(async (flags) => {
      const options = resolveOptions(schema, { flags, configFile: context.configFile() })
      const common = context.common()
      const privateKey = await loadPrivateKey(options)
      const address = privateKeyToAccount(privateKey).address.toLowerCase()
      const messenger = createMessenger({
        logger: common.logger,
        ...messengerOptions(await connectChain(options.rpc), {
          mailbox: options.mailbox,
          privateKey,
          inboxPath: options.inbox ?? defaultInbox(address),
          confirmations: options.messageConfirmations,
          fromBlock: options.messagesFromBlock === undefined ? undefined : BigInt(options.messagesFromBlock),
          ...replyOptionsFrom(options),
        }),
      })
      common.shutdown.add(() => messenger.close())
      process.stdout.write(`messenger for ${address} on ${options.mailbox}; Ctrl-C stops it.\n`)
      await new Promise<void>((stopped) =>
        common.shutdown.signal.addEventListener('abort', () => stopped(), { once: true }),
      )
      await common.shutdown.close()
    })
  addReplyFlags(command)
}
