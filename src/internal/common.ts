import { createLogger, type Logger, type LogLevel } from './logger.ts'
import { createShutdown, type Shutdown } from './shutdown.ts'

/** The dependency bag every service factory takes its slice of. */
export interface Common {
  logger: Logger
  shutdown: Shutdown
}

export interface CreateCommonParameters {
  logLevel: LogLevel
}

export function createCommon({ logLevel }: CreateCommonParameters): Common {
  return { logger: createLogger({ level: logLevel }), shutdown: createShutdown() }
}
