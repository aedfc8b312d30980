import type { IdempotencyStore } from '../engine/store.js';
import { IdempotencyConfigError } from '../errors.js';

/**
 * Adapters whose records share one scope when no `name` is given. The HTTP and batch adapters
 * scope their records apart (the key material, or a suffix), so each only meets its own kind.
 */
export type ScopeFamily = 'handler' | 'http' | 'batch';

interface Registration {
  readonly store: IdempotencyStore;
  readonly name?: string;
  readonly keyPrefix?: string;
}

// Per store object: two instances can only share records through one table, and tests or benchmarks
// that build several engines usually build a store for each.
const unnamedByStore = new WeakMap<IdempotencyStore, Map<string, string>>();

/**
 * Refuses, at setup, a second instance without `name` or `keyPrefix` that would share the default
 * scope of an earlier one: in one Lambda both scope records by the function name alone, so a handler
 * wrapper and an inner `makeIdempotent` keyed by the same field would claim one record.
 *
 * It applies where the scope is known at setup, inside a Lambda (`AWS_LAMBDA_FUNCTION_NAME` is set
 * during INIT). Elsewhere each invocation's context names the function: a local server running
 * several functions in one process is not refused.
 *
 * @throws {IdempotencyConfigError} naming both instances and the fix.
 */
export function registerDefaultScope(family: ScopeFamily, adapter: string, options: Registration): void {
  if (options.name !== undefined || options.keyPrefix !== undefined) return;
  const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME;
  if (!functionName) return;
  let registered = unnamedByStore.get(options.store);
  if (registered === undefined) {
    registered = new Map();
    unnamedByStore.set(options.store, registered);
  }
  const slot = `${family}:${functionName}`;
  const earlier = registered.get(slot);
  if (earlier !== undefined) {
    throw new IdempotencyConfigError(
      `${adapter} and an earlier ${earlier} in Lambda function "${functionName}" use one store without a "name": ` +
        'both would keep their records under the function name, and equal keys would claim one record. ' +
        'Give each a distinct "name" option (for example { name: "charge-card" }), a fixed string a bundler cannot rename; ' +
        'give both the same "name" only if they really must share records.',
    );
  }
  registered.set(slot, adapter);
}
