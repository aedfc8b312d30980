import { engineFromBegin } from './engine-from-begin.js';
import type { IdempotencyEngine, InvocationDecision } from './idempotency-engine.js';
import type { IdempotencyLogger } from './warn.js';

/**
 * The environment variables that switch idempotency off. Ours first; Powertools' name is honoured
 * too, so a team migrating from it keeps its incident runbook.
 */
export const DISABLE_VARIABLES = ['IDEMPOTENCY_DISABLED', 'POWERTOOLS_IDEMPOTENCY_DISABLED'] as const;

const TRUTHY = new Set(['1', 'true', 'yes', 'on']);
const UNKEYED: InvocationDecision = { kind: 'unkeyed' };
let announced = false;

/** Whether idempotency is off: the option wins; otherwise any of {@link DISABLE_VARIABLES} set truthy. */
export function isIdempotencyDisabled(option: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (option !== undefined) return option;
  return DISABLE_VARIABLES.some((name) => TRUTHY.has((env[name] ?? '').trim().toLowerCase()));
}

/**
 * The kill switch around an engine: while it is on, every invocation runs unkeyed. Read once, when
 * the engine is made: a Lambda function's environment is fixed for its container's life.
 */
export function withKillSwitch<TInput>(
  engine: IdempotencyEngine<TInput>,
  disabled: boolean | undefined,
  logger: IdempotencyLogger,
): IdempotencyEngine<TInput> {
  if (!isIdempotencyDisabled(disabled)) return engine;
  return engineFromBegin<TInput>(() => {
    announceDisabled(logger);
    return Promise.resolve(UNKEYED);
  });
}

/** Says once per container that handlers run without idempotency: an incident switch must be visible. */
function announceDisabled(logger: IdempotencyLogger): void {
  if (announced) return;
  announced = true;
  try {
    logger.warn('Idempotency is disabled: handlers run without claims, records or replays.', {
      name: 'IdempotencyDisabled',
      variables: DISABLE_VARIABLES.filter((name) => process.env[name] !== undefined),
    });
  } catch {
    // A failing logger must not fail the invocation it was only meant to annotate.
  }
}

/** For tests: the next disabled invocation announces itself again, as in a new container. */
export function resetDisabledAnnouncement(): void {
  announced = false;
}
