import type { IdempotencyWarning } from '../errors.js';
import type { WarningLogger } from './options.js';

export type Report = (warning: IdempotencyWarning) => void;

/** Logs a warning and hands it to the user's hook; neither may fail the invocation. */
export function createReporter(logger: WarningLogger, onWarning: ((warning: IdempotencyWarning) => void) | undefined): Report {
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
