import type { Command } from '@commander-js/extra-typings'
import { z } from 'zod'
import { connectChain } from '../../chain/index.ts'
import { ApiaryError } from '../../internal/errors.ts'
import { stringifyJson } from '../../internal/json.ts'
import { booleanOption, resolveOptions } from '../../internal/options.ts'
import { formatTable } from '../../internal/table.ts'
import { listAgents, mailboxRegistry } from '../../messaging/index.ts'
import { addressOption } from '../chainOptions.ts'
import type { CliContext } from '../context.ts'

const schema = z.object({
  rpc: z.string().url(),
  registry: addressOption.optional(),
  mailbox: addressOption.optional(),
  json: booleanOption.default(false),
})

export function registerAgents(
  program: Command<[], { config?: string; logLevel?: string }>,
  context: CliContext,
): void {
  const agents = program.command('agents').description('Discover agents (AgentRegistry, ERC-8004).')
  agents
    .command('list')
    .description(
      'List the registered agents: id, wallet (where messages go), and whether they accept encrypted messages.',
    )
    .option('--rpc <url>', 'JSON-RPC endpoint (APIARY_RPC)')
    .option('--registry <address>', 'the AgentRegistry (APIARY_REGISTRY)')
    .option('--mailbox <address>', 'or a Mailbox, whose registry is used (APIARY_MAILBOX)')
    .option('--json', 'print one JSON array (APIARY_JSON)')
    .addHelpText(
      'after',
      `
An agent accepts encrypted messages when its entry publishes a "messagingKey" that is its wallet's public key
(apiary register publishes it).

Example:
  apiary agents list --rpc http://127.0.0.1:8545 --mailbox 0x…`,
    )
    .action(async (flags) => {
      const options = resolveOptions(schema, { flags, configFile: context.configFile() })
      const { client } = await connectChain(options.rpc)
      let registry = options.registry
      if (registry === undefined) {
        if (options.mailbox === undefined)
          throw new ApiaryError('APIARY_REGISTRY_MISSING', 'give --registry or --mailbox', { usage: true })
        registry = await mailboxRegistry({ client, mailbox: options.mailbox })
      }
      const list = await listAgents({ client, registry })
      if (options.json) {
        process.stdout.write(`${stringifyJson(list)}\n`)
        return
      }
      if (list.length === 0) {
        process.stdout.write(`no agents in ${registry}\n`)
        return
      }
      process.stdout.write(
        `${formatTable(
          ['agent', 'wallet', 'encrypted', 'name'],
          list.map((a) => [
            String(a.agentId),
            a.wallet ?? '(none)',
            a.messagingKey === undefined ? `no (${a.reason})` : 'yes',
            registrationName(a.uri),
          ]),
        )}\n`,
      )
    })
}

/** The name in a data: registration file, else the URI itself (shortened). */
function registrationName(uri: string): string {
  const data = /^data:application\/json;base64,(.*)$/.exec(uri)
  if (data?.[1] !== undefined) {
    try {
      const file = JSON.parse(Buffer.from(data[1], 'base64').toString('utf8')) as { name?: unknown }
      if (typeof file.name === 'string') return file.name
    } catch {}
  }
  return uri.length > 48 ? `${uri.slice(0, 45)}…` : uri
}
