import type { IdempotencyWarning } from '../errors.js';

/** Where the library logs. Any logger with a `warn` method fits (console, pino, Powertools Logger). */
export interface IdempotencyLogger {
  /** Logs one reported problem: its message, and structured details that always include the problem's `name`. */
  warn(message: string, details?: Record<string, unknown>): void;
  /** Logs a record of `idempotentBatch` that failed; `warn` is used when a logger has no `error`. */
  error?(message: string, details?: Record<string, unknown>): void;
}

/** Tells of a problem that is reported instead of thrown (see `IdempotencyWarning`). */
export type Warn = (warning: IdempotencyWarning) => void;

/** Logs a warning and hands it to the user's hook; neither may fail the invocation. */
export function createWarn(logger: IdempotencyLogger, onWarning: ((warning: IdempotencyWarning) => void) | undefined): Warn {
  return (warning) => {
    try {
      logger.warn(warning.message, {
        name: warning.name,
        ...(warning.cause === undefined ? {} : { cause: String(warning.cause) }),
      });
      onWarning?.(warning);
    } catch {
      // A failing logger or hook must not turn a finished invocation into a failed one.
    }
  };
}
