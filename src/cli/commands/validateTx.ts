import { readFileSync } from 'node:fs'
import type { Command } from '@commander-js/extra-typings'
import { z } from 'zod'
import { ApiaryError } from '../../internal/errors.ts'
import { stringifyJson } from '../../internal/json.ts'
import { booleanOption, resolveOptions } from '../../internal/options.ts'
import { createEngineCrypto, fromHex, parseFork, validateEnvelope } from '../../validation/index.ts'
import type { CliContext } from '../context.ts'
import { printVerdict } from './printVerdict.ts'

const schema = z.object({
  chainId: z.coerce.bigint().nonnegative().optional(),
  fork: z.string().default('prague'),
  json: booleanOption.default(false),
  crypto: z.enum(['auto', 'native', 'js']).default('auto'),
})

export function registerValidateTx(parent: Command, context: CliContext): void {
  parent
    .command('tx')
    .description('L1: decode a signed transaction, check every field and the signature, recover the sender.')
    .argument('<hex>', 'the raw signed transaction as hex (0x optional), or - to read it from stdin')
    .option('--chain-id <n>', 'reject transactions signed for another chain (APIARY_CHAIN_ID)')
    .option('--fork <name>', 'rules to apply: frontier … cancun, prague, osaka (APIARY_FORK; default prague)')
    .option('--crypto <backend>', 'ECDSA backend: auto, native or js (APIARY_CRYPTO; default auto)')
    .option('--json', 'print the verdict as one JSON object')
    .addHelpText(
      'after',
      '\nExit status: 0 valid, 1 rejected, 2 usage error.\n\nExample:\n  apiary validate tx 0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83 --chain-id 1',
    )
    .action((hex, flags) => {
      const options = resolveOptions(schema, { flags, configFile: context.configFile() })
      const text = hex === '-' ? readFileSync(0, 'utf8').trim() : hex
      const raw = fromHex(text)
      if (raw === undefined) {
        throw new ApiaryError('APIARY_INVALID_HEX', 'the transaction is not hex of whole bytes', {
          usage: true,
          hints: ['pass the raw signed transaction, e.g. the output of eth_getRawTransactionByHash'],
        })
      }
      const verdict = validateEnvelope(
        { crypto: createEngineCrypto({ backend: options.crypto }) },
        { raw, chainId: options.chainId, fork: parseForkOption(options.fork) },
      )
      if (options.json) {
        const { tx, ...rest } = verdict.valid ? verdict : { ...verdict, tx: undefined }
        process.stdout.write(
          `${stringifyJson({ ...rest, ...(tx === undefined ? {} : { transaction: publicFields(tx) }) })}\n`,
        )
      } else printVerdict(verdict)
      process.exitCode = verdict.valid ? 0 : 1
    })
}

export function parseForkOption(name: string): ReturnType<typeof parseFork> {
  try {
    return parseFork(name)
  } catch (cause) {
    throw new ApiaryError('APIARY_UNKNOWN_FORK', `unknown fork "${name}"`, {
      usage: true,
      cause,
      hints: [
        'use one of frontier, homestead, byzantium, istanbul, berlin, london, paris, shanghai, cancun, prague, osaka',
      ],
    })
  }
}

function publicFields(
  tx: ReturnType<typeof validateEnvelope> extends infer V ? (V extends { tx: infer T } ? T : never) : never,
) {
  const { canonical: _c, signingPayload: _p, blobWrapper, ...fields } = tx
  return {
    ...fields,
    ...(blobWrapper === undefined
      ? {}
      : { blobs: blobWrapper.blobs.length, wrapperVersion: blobWrapper.version }),
  }
}
