import type { IdempotencyOutcome, OutcomeSink } from '../engine/outcomes/outcome.js';
import { IdempotencyConfigError } from '../errors.js';

/** Any logger with these four methods fits: console, Powertools Logger, pino. */
export interface LevelLogger {
  /** Plain executions. */
  debug(...args: unknown[]): void;
  /** Replays, and waits that ended in a replay. */
  info(...args: unknown[]): void;
  /** Refusals and failures. */
  warn(...args: unknown[]): void;
  /** Not used by the outcome log; part of the shape every supported logger has. */
  error(...args: unknown[]): void;
}

/** A level of {@link LevelLogger}, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * How a line reaches the logger: `json` hands one JSON text to the method (console);
 * `message-first` calls `method(message, fields)` (Powertools Logger); `fields-first` calls
 * `method(fields, message)` (pino).
 */
export type LogStyle = 'json' | 'message-first' | 'fields-first';

/** Options of {@link outcomeLog}; all optional. */
export interface OutcomeLogOptions {
  /** Default `console`, written as one JSON line per outcome. */
  readonly logger?: LevelLogger;
  /** Default `json` for console, `message-first` for any other logger. */
  readonly style?: LogStyle;
  /**
   * The lowest level written. Default: `AWS_LAMBDA_LOG_LEVEL` (Lambda's advanced logging
   * controls), else `info`, so plain executions (at `debug`) stay quiet.
   */
  readonly level?: LogLevel;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
/** Lambda's level names, mapped onto the four methods every supported logger has. */
const LAMBDA_LEVELS: Record<string, LogLevel> = {
  TRACE: 'debug',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
  FATAL: 'error',
};

/** Replays answer duplicates as designed; everything else needs a look. */
export function levelOf(outcome: IdempotencyOutcome): LogLevel {
  switch (outcome.kind) {
    case 'executed':
      return 'debug';
    case 'replayed':
    case 'replayed-from-cache':
      return 'info';
    case 'in-progress':
      return outcome.waited && outcome.error === undefined ? 'info' : 'warn';
    default:
      return 'warn';
  }
}

const MESSAGES: Record<IdempotencyOutcome['kind'], string> = {
  executed: 'Idempotency: handler executed and its result stored.',
  replayed: 'Idempotency: duplicate answered with the stored result.',
  'replayed-from-cache': 'Idempotency: duplicate answered from the local cache.',
  'in-progress': 'Idempotency: another invocation holds this key.',
  'payload-mismatch': 'Idempotency: key reused with a different payload; refused.',
  'handler-failed': 'Idempotency: handler failed; claim released for a retry.',
  'lease-lost': 'Idempotency: claim was taken over before this invocation finished it.',
  'result-not-persisted': 'Idempotency: handler succeeded but its result was not stored.',
  'store-error': 'Idempotency: the store failed.',
  'store-unavailable': 'Idempotency: the store is unavailable; the handler ran WITHOUT idempotency (fail open).',
  abandoned: 'Idempotency: the invocation ended before settling its claim; the key stays in progress until the claim expires.',
  unkeyed: 'Idempotency: no key; handler not protected.',
};

/** The fields of a line: the record id (a hash), never the key or the payload. */
export function outcomeFields(outcome: IdempotencyOutcome): Record<string, unknown> {
  return {
    idempotencyOutcome: outcome.kind,
    ...(outcome.recordId !== undefined && { recordId: outcome.recordId }),
    scope: outcome.scope,
    ...(outcome.statusCode !== undefined && { statusCode: outcome.statusCode }),
    ...(outcome.waited !== undefined && { waited: outcome.waited }),
    durationMs: Math.round(outcome.durationMs * 100) / 100,
    storeRequests: outcome.requests.total,
    ...(outcome.error !== undefined && { error: outcome.error }),
  };
}

function thresholdOf(option: LogLevel | undefined): LogLevel {
  if (option !== undefined) {
    if (!(option in RANK))
      throw new IdempotencyConfigError(`outcomeLog option "level" must be debug, info, warn or error, got ${String(option)}.`);
    return option;
  }
  return LAMBDA_LEVELS[(process.env.AWS_LAMBDA_LOG_LEVEL ?? '').toUpperCase()] ?? 'info';
}

/**
 * A sink writing one structured line per outcome at or above the level: replays at `info`,
 * refusals and failures at `warn`, plain executions at `debug` (quiet by default).
 *
 * @example
 * idempotency({ store, key: 'orderId', onOutcome: outcomeLog({ logger }) })
 */
export function outcomeLog(options: OutcomeLogOptions = {}): OutcomeSink {
  const logger = options.logger ?? console;
  const style = options.style ?? (logger === console ? 'json' : 'message-first');
  const threshold = RANK[thresholdOf(options.level)];
  return (outcome) => {
    const level = levelOf(outcome);
    if (RANK[level] < threshold) return;
    const message = MESSAGES[outcome.kind];
    const fields = outcomeFields(outcome);
    if (style === 'json') logger[level](JSON.stringify({ level: level.toUpperCase(), message, ...fields }));
    else if (style === 'fields-first') logger[level](fields, message);
    else logger[level](message, fields);
  };
}
