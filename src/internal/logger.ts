import { pino } from 'pino'

export type Logger = pino.Logger
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

export interface CreateLoggerParameters {
  level: LogLevel
  /** Pretty, human output; defaults to whether stderr is a terminal. */
  pretty?: boolean
  /** Where the lines go; defaults to stderr so that stdout stays free for command output. */
  destination?: pino.DestinationStream
}

/** Structured, object-first logs: `logger.info({ epoch }, 'epoch sealed')`. Pretty on a TTY, JSON otherwise. */
export function createLogger({ level, pretty, destination }: CreateLoggerParameters): Logger {
  const usePretty = pretty ?? process.stderr.isTTY === true
  if (destination !== undefined) return pino({ level, base: null }, destination)
  if (usePretty) {
    return pino({
      level,
      base: null,
      transport: { target: 'pino-pretty', options: { destination: 2, translateTime: 'SYS:HH:MM:ss.l' } },
    })
  }
  return pino({ level, base: null }, pino.destination({ dest: 2, sync: true }))
}
