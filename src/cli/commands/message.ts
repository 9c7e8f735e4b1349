import type { Command } from '@commander-js/extra-typings'
import { createWalletClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { z } from 'zod'
import { connectChain, rpcTransport } from '../../chain/index.ts'
import { ApiaryError } from '../../internal/errors.ts'
import { stringifyJson } from '../../internal/json.ts'
import { booleanOption, resolveOptions } from '../../internal/options.ts'
import { messageJson, sendMessage, waitForReply } from '../../messaging/index.ts'
import { addressOption, loadPrivateKey, signerSchema } from '../chainOptions.ts'
import type { CliContext } from '../context.ts'
import { messageLine } from '../messageLine.ts'

const schema = z.object({
  rpc: z.string().url(),
  ...signerSchema,
  mailbox: addressOption,
  to: addressOption,
  type: z.string().default('text'),
  body: z.string().default(''),
  encrypt: booleanOption.default(false),
  ack: booleanOption.default(false),
  waitReply: z.coerce.number().positive().max(86_400).optional(),
  json: booleanOption.default(false),
})

export function registerMessage(
  program: Command<[], { config?: string; logLevel?: string }>,
  context: CliContext,
): void {
  const message = program.command('message').description('Send agent messages through the chain (Mailbox).')
  message
    .command('send')
    .description('Send one message to an agent wallet and, with --wait-reply, wait for its answer.')
    .option('--rpc <url>', 'JSON-RPC endpoint (APIARY_RPC)')
    .option('--keystore <file>', 'the sending wallet, which pays the gas (APIARY_KEYSTORE)')
    .option('--password-file <file>', 'password of the keystore (APIARY_PASSWORD_FILE)')
    .option(
      '--private-key-file <file>',
      'instead of a keystore, a file holding a 0x private key (APIARY_PRIVATE_KEY_FILE)',
    )
    .option('--mailbox <address>', 'the Mailbox contract (APIARY_MAILBOX)')
    .option('--to <address>', "the recipient's wallet (APIARY_TO)")
    .option(
      '--type <type>',
      'ping, text, ack, or an application type such as acme/offer (APIARY_TYPE; default text)',
    )
    .option('--body <text>', 'the message text (APIARY_BODY)')
    .option('--encrypt', 'encrypt to the key the recipient publishes in the AgentRegistry (APIARY_ENCRYPT)')
    .option('--ack', 'ask the recipient to acknowledge (APIARY_ACK)')
    .option(
      '--wait-reply <seconds>',
      'wait this long for the reply (pong, ack, or any message answering this one); exit 75 when none came (APIARY_WAIT_REPLY)',
    )
    .option('--json', 'print the message (and the reply) as JSON (APIARY_JSON)')
    .addHelpText(
      'after',
      `
A message costs ≈ 30,400 gas for 32 bytes; payloads are limited to 4,096 bytes (docs/spec/message.md).
An Apiary agent's messenger answers ping with pong and acknowledges messages that ask for it.

Exit codes: 0 sent (and, with --wait-reply, answered in time); 2 bad flags or message; 75 no reply in time.

Example (on apiary up, whose agents' wallets are listed by apiary agents list):
  apiary message send --rpc http://127.0.0.1:8545 --private-key-file me.key --mailbox 0x… \\
    --to 0x… --type ping --body hello --wait-reply 30`,
    )
    .action(async (flags) => {
      const options = resolveOptions(schema, { flags, configFile: context.configFile() })
      const privateKey = await loadPrivateKey(options)
      const account = privateKeyToAccount(privateKey)
      const { chain, client } = await connectChain(options.rpc)
      const wallet = createWalletClient({ account, chain, transport: rpcTransport(options.rpc) })
      const started = performance.now()
      const sent = await sendMessage({
        client,
        wallet,
        mailbox: options.mailbox,
        to: options.to,
        envelope: {
          type: options.type,
          body: options.body,
          timestamp: Math.floor(Date.now() / 1000),
          ack: options.ack,
        },
        encrypt: options.encrypt,
      })
      const summary = {
        id: sent.id,
        to: options.to,
        type: options.type,
        encrypted: options.encrypt,
        bytes: sent.payloadBytes,
        block: sent.blockNumber,
        txHash: sent.txHash,
        gasUsed: sent.gasUsed,
      }
      if (!options.json)
        process.stdout.write(
          `sent message #${sent.id} (${options.type}${options.encrypt ? ', encrypted' : ''}, ${sent.payloadBytes} bytes) to ${options.to} in block ${sent.blockNumber}, ${sent.txHash}\n`,
        )
      if (options.waitReply === undefined) {
        if (options.json) process.stdout.write(`${stringifyJson(summary)}\n`)
        return
      }
      const reply = await waitForReply({
        client,
        mailbox: options.mailbox,
        me: account.address,
        privateKey,
        peer: options.to,
        id: sent.id,
        fromBlock: sent.blockNumber,
        timeoutMs: options.waitReply * 1000,
      })
      const seconds = (performance.now() - started) / 1000
      if (reply === undefined)
        throw new ApiaryError(
          'APIARY_MESSAGE_NO_REPLY',
          `no reply to message #${sent.id} from ${options.to} within ${options.waitReply} s`,
          {
            retryable: true,
            hints: ['is the recipient running a messenger (apiary agent --mailbox, apiary messenger)?'],
          },
        )
      process.stdout.write(
        options.json
          ? `${stringifyJson({ ...summary, reply: messageJson(reply), roundTripSeconds: Number(seconds.toFixed(3)) })}\n`
          : `reply ${messageLine(reply)} — round trip ${seconds.toFixed(2)} s\n`,
      )
    })
}
