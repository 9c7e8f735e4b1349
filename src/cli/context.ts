import type { Command } from '@commander-js/extra-typings'
import { z } from 'zod'
import { type Common, createCommon } from '../internal/common.ts'
import { resolveOptions } from '../internal/options.ts'

/** What every command gets: the global options and the shared infrastructure, created on first use. */
export interface CliContext {
  /** The config file named by `--config` (or APIARY_CONFIG, read by resolveOptions). */
  configFile(): string | undefined
  common(): Common
}

const globalSchema = z.object({
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
})

export function createCliContext(program: Command<[], { config?: string; logLevel?: string }>): CliContext {
  let common: Common | undefined
  const context: CliContext = {
    configFile: () => program.opts().config,
    common() {
      if (common === undefined) {
        const { logLevel } = resolveOptions(globalSchema, {
          flags: { logLevel: program.opts().logLevel },
          configFile: context.configFile(),
        })
        const created = createCommon({ logLevel })
        for (const signal of ['SIGINT', 'SIGTERM'] as const) {
          process.once(signal, () => {
            created.logger.warn({ signal }, 'stopping')
            void created.shutdown.close(signal)
          })
        }
        common = created
      }
      return common
    },
  }
  return context
}
