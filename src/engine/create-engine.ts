import { circuitFor } from './circuit-breaker.js';
import { DEFAULT_STORE_TIMEOUT_MS } from './defaults.js';
import type { IdempotencyEngine } from './idempotency-engine.js';
import { withKillSwitch } from './kill-switch.js';
import type { IdempotencyOptions } from './options.js';
import { observeEngine } from './outcomes/observed-engine.js';
import { withResponseHook } from './response-hook.js';
import { createStateMachine } from './state-machine.js';
import { boundedStore } from './store-bound.js';
import { validateOptions } from './validate-options.js';

/**
 * Builds the engine behind every adapter, for event sources this package does not cover: the record
 * state machine, with outcomes reported to `onOutcome`, replays passed through `responseHook`, and
 * the kill switch. Options are validated here: an unusable one throws `IdempotencyConfigError` at
 * setup, not at the first invocation. Without a `key` selector, the whole input is the key.
 */
export function createIdempotencyEngine<TInput>(options: IdempotencyOptions<TInput>): IdempotencyEngine<TInput> {
  validateOptions(options);
  const logger = options.logger ?? console;
  // Layered so that the outcomes count the requests sent, a timed-out one included, and never the
  // ones an open circuit refused: circuit, then counting (when observed), then the time bound.
  const bounded = { ...options, store: boundedStore(options.store, options.storeTimeoutMs ?? DEFAULT_STORE_TIMEOUT_MS) };
  const withCircuit = circuitFor(options, logger);
  const create = (inner: IdempotencyOptions<TInput>) => createStateMachine({ ...inner, store: withCircuit(inner.store) });
  // The observed engine applies the response hook itself, before it reports the outcome.
  const engine =
    options.onOutcome === undefined
      ? withResponseHook(create(bounded), options.responseHook, logger)
      : observeEngine(bounded, create);
  return withKillSwitch(engine, options.disabled, logger);
}
