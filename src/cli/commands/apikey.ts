import type { Command } from '@commander-js/extra-typings'
import { z } from 'zod'
import { deriveApiKey } from '../../coordinator/identity/index.ts'
import { ApiaryError } from '../../internal/errors.ts'
import { resolveOptions } from '../../internal/options.ts'
import { masterSecretFrom } from '../chainOptions.ts'
import type { CliContext } from '../context.ts'

const schema = z.object({
  masterSecret: z.string().optional(),
  masterSecretFile: z.string().optional(),
  agentId: z.string(),
})

export function registerApikey(
  program: Command<[], { config?: string; logLevel?: string }>,
  context: CliContext,
): void {
  program
    .command('apikey')
    .description("Print an agent's API key: apiary_ + hex(HMAC-SHA256(master secret, agent id)).")
    .option('--agent-id <id>', 'the agent, 1-64 of [A-Za-z0-9._-] (APIARY_AGENT_ID)')
    .option(
      '--master-secret <secret>',
      "the coordinator's master secret (APIARY_MASTER_SECRET; prefer the variable or a file)",
    )
    .option(
      '--master-secret-file <file>',
      'read the master secret from a file, trailing newline ignored (APIARY_MASTER_SECRET_FILE)',
    )
    .addHelpText('after', '\nExample:\n  apiary apikey --master-secret-file secret --agent-id agent-7')
    .action((flags) => {
      const options = resolveOptions(schema, { flags, configFile: context.configFile() })
      const secret = masterSecretFrom(options)
      if (secret === undefined) {
        throw new ApiaryError('APIARY_MASTER_SECRET_MISSING', 'no master secret given', {
          usage: true,
          hints: ['set APIARY_MASTER_SECRET or pass --master-secret-file FILE'],
        })
      }
      process.stdout.write(`${deriveApiKey(secret, options.agentId)}\n`)
    })
}
