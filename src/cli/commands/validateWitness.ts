import { readFile } from 'node:fs/promises'
import type { Command } from '@commander-js/extra-typings'
import { z } from 'zod'
import { ApiaryError } from '../../internal/errors.ts'
import { stringifyJson } from '../../internal/json.ts'
import { booleanOption, resolveOptions } from '../../internal/options.ts'
import {
  createEngineCrypto,
  executeTransaction,
  parseWitness,
  validateState,
} from '../../validation/index.ts'
import type { CliContext } from '../context.ts'
import { printVerdict } from './printVerdict.ts'

const schema = z.object({
  level: z.enum(['L2', 'L3']).default('L3'),
  json: booleanOption.default(false),
  crypto: z.enum(['auto', 'native', 'js']).default('auto'),
})

export function registerValidateWitness(parent: Command, context: CliContext): void {
  parent
    .command('witness')
    .description('L2 (state checks) or L3 (full execution) of the transaction in a witness file.')
    .argument('<file>', 'a witness (docs/spec/witness.md) or a go-ethereum tracer test, as JSON; - for stdin')
    .option('--level <level>', 'L2 or L3 (APIARY_LEVEL; default L3)')
    .option('--crypto <backend>', 'ECDSA backend: auto, native or js (APIARY_CRYPTO; default auto)')
    .option('--json', 'print the verdict as one JSON object')
    .addHelpText(
      'after',
      '\nExit status: 0 valid, 1 rejected, 2 usage error (unreadable or malformed witness).',
    )
    .action(async (file, flags) => {
      const options = resolveOptions(schema, { flags, configFile: context.configFile() })
      let json: unknown
      try {
        json = JSON.parse(file === '-' ? await readStdin() : await readFile(file, 'utf8'))
      } catch (cause) {
        throw new ApiaryError('APIARY_WITNESS_UNREADABLE', `cannot read ${file} as JSON`, {
          usage: true,
          cause,
        })
      }
      const ctx = { crypto: createEngineCrypto({ backend: options.crypto }) }
      let witness: ReturnType<typeof parseWitness>
      try {
        witness = parseWitness(json)
      } catch (cause) {
        throw new ApiaryError('APIARY_WITNESS_INVALID', `${file}: ${(cause as Error).message}`, {
          usage: true,
          cause,
          hints: ['see docs/spec/witness.md for the format'],
        })
      }
      const verdict =
        options.level === 'L2' ? validateState(ctx, { witness }) : await executeTransaction(ctx, { witness })
      if (options.json) {
        const {
          tx: _tx,
          postState: _post,
          ...rest
        } = verdict as typeof verdict & { tx?: unknown; postState?: unknown }
        process.stdout.write(`${stringifyJson(rest)}\n`)
      } else printVerdict(verdict)
      process.exitCode = verdict.valid ? 0 : 1
    })
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
