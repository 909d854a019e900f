// Structured JSON logs through pino. The server logs to stdout; one-shot commands log to stderr so their
// stdout stays machine-readable.
import { type Logger, pino } from 'pino'

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

export function createLogger({ level, destination = 1 }: { level: LogLevel; destination?: 1 | 2 }): Logger {
  return pino({ level, base: { service: 'clearance' } }, pino.destination({ fd: destination, sync: false }))
}
