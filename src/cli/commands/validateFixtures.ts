import type { Command } from '@commander-js/extra-typings'
import { z } from 'zod'
import { runFixtures } from '../../conformance/index.ts'
import { ApiaryError } from '../../internal/errors.ts'
import { stringifyJson } from '../../internal/json.ts'
import { booleanOption, resolveOptions } from '../../internal/options.ts'
import { formatTable } from '../../internal/table.ts'
import { createEngineCrypto, createVmPool } from '../../validation/index.ts'
import type { CliContext } from '../context.ts'

const schema = z.object({
  filter: z.string().optional(),
  json: booleanOption.default(false),
  includeSlow: booleanOption.default(false),
  crypto: z.enum(['auto', 'native', 'js']).default('auto'),
})

export function registerValidateFixtures(parent: Command, context: CliContext): void {
  parent
    .command('fixtures')
    .description(
      'Run every case of the Ethereum fixture formats found under a directory (format detected per file).',
    )
    .argument('<dir>', 'a directory (walked recursively) or a single fixture file')
    .option(
      '--filter <glob>',
      'only files whose path relative to <dir> matches, e.g. "**/Cancun/**" (APIARY_FILTER)',
    )
    .option('--include-slow', 'also run the EVM speed stress tests, minutes each (APIARY_INCLUDE_SLOW)')
    .option('--crypto <backend>', 'ECDSA backend: auto, native or js (APIARY_CRYPTO; default auto)')
    .option(
      '--json',
      'print one JSON object {cases, passed, failed, skipped, byFormat, skipReasons, failures, …}',
    )
    .addHelpText(
      'after',
      [
        '',
        'Formats: ethereum/tests TransactionTests, GeneralStateTests and BlockchainTests; execution-spec-tests',
        'state tests; go-ethereum tracer tests; ethers.js transactions.json.gz; @ethereumjs/tx JSON vectors.',
        '',
        'Exit status: 0 when no case failed, 1 otherwise, 2 usage error.',
        '',
        'Example:',
        '  apiary validate fixtures ../shared/fixtures/evm --filter "state/functori-evm-fixtures/prague/**"',
      ].join('\n'),
    )
    .action(async (dir, flags) => {
      const options = resolveOptions(schema, { flags, configFile: context.configFile() })
      const common = context.common()
      const started = performance.now()
      let summary: Awaited<ReturnType<typeof runFixtures>>
      try {
        const crypto = createEngineCrypto({ backend: options.crypto })
        summary = await runFixtures(
          { crypto, vms: createVmPool(crypto) },
          {
            root: dir,
            filter: options.filter,
            includeSlow: options.includeSlow,
            signal: common.shutdown.signal,
            onFile: (file, results) =>
              common.logger.debug({ file, cases: results.length }, 'fixture file done'),
          },
        )
      } catch (cause) {
        throw new ApiaryError('APIARY_FIXTURES_UNREADABLE', `cannot read ${dir}`, { usage: true, cause })
      }
      const seconds = (performance.now() - started) / 1000
      if (options.json) {
        process.stdout.write(`${stringifyJson({ ...summary, seconds: Number(seconds.toFixed(2)) })}\n`)
      } else {
        const rows = Object.entries(summary.byFormat).map(([format, s]) => [
          format,
          s.cases,
          s.passed,
          s.failed,
          s.skipped,
        ])
        rows.push(['total', summary.cases, summary.passed, summary.failed, summary.skipped])
        process.stdout.write(`${formatTable(['format', 'cases', 'passed', 'failed', 'skipped'], rows)}\n`)
        const skips = Object.entries(summary.skipReasons)
        if (skips.length > 0) {
          process.stdout.write(
            `\nskipped:\n${skips.map(([reason, n]) => `  ${String(n).padStart(6)}  ${reason}`).join('\n')}\n`,
          )
        }
        if (summary.exceptionClasses.total > 0) {
          const { matched, total } = summary.exceptionClasses
          process.stdout.write(
            `\nexpected rejections whose reason code matches the fixture's exception: ${matched}/${total}\n`,
          )
        }
        if (summary.unrecognized.length > 0) {
          process.stdout.write(
            `\nnot a known fixture format (ignored): ${summary.unrecognized.length} file(s)\n`,
          )
        }
        for (const failure of summary.failures.slice(0, 50))
          process.stdout.write(`FAIL ${failure.id}\n     ${failure.reason}\n`)
        if (summary.failures.length > 50)
          process.stdout.write(`… and ${summary.failures.length - 50} more failures (--json lists all)\n`)
        process.stdout.write(`\n${summary.files} files in ${seconds.toFixed(1)} s\n`)
      }
      if (summary.interrupted) {
        throw new ApiaryError(
          'APIARY_INTERRUPTED',
          `stopped after ${summary.files} files; the counts above are partial`,
        )
      }
      if (summary.files === 0) {
        throw new ApiaryError(
          'APIARY_NO_FIXTURES',
          `no fixture files under ${dir}${options.filter ? ` matching ${options.filter}` : ''}`,
          {
            usage: true,
          },
        )
      }
      process.exitCode = summary.failed === 0 ? 0 : 1
    })
}
