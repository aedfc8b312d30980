import { IdempotencyConfigError } from '../errors.js';
import type { IdempotencyOptions } from './options.js';

/** Fails at setup, not at the first invocation, with the option's name in the message. */
export function validateOptions<TInput>(options: IdempotencyOptions<TInput>): void {
  if (options === null || typeof options !== 'object') throw new IdempotencyConfigError('Idempotency options must be an object.');
  const { store } = options;
  if (store === null || typeof store !== 'object' || typeof store.claim !== 'function') {
    throw new IdempotencyConfigError('Option "store" must be an idempotency store such as DynamoDBStore.');
  }
  positive('ttlSeconds', options.ttlSeconds, 1);
  positive('inProgressTimeoutMs', options.inProgressTimeoutMs, 1);
  positive('durableExecutionTimeoutSeconds', options.durableExecutionTimeoutSeconds, 1);
  positive('clockSkewMs', options.clockSkewMs, 0);
  positive('compressAboveBytes', options.compressAboveBytes, 0);
  if (typeof options.localCache === 'object') positive('localCache.maxEntries', options.localCache.maxEntries, 1, true);
  if (options.waitForInProgress !== undefined) {
    positive('waitForInProgress.timeoutMs', options.waitForInProgress.timeoutMs, 0, true);
    positive('waitForInProgress.initialDelayMs', options.waitForInProgress.initialDelayMs, 1);
    positive('waitForInProgress.maxDelayMs', options.waitForInProgress.maxDelayMs, 1);
  }
  positive('storeTimeoutMs', options.storeTimeoutMs, 1);
  validateOutageOptions(options);
  const sinks = options.onOutcome;
  if (
    sinks !== undefined &&
    typeof sinks !== 'function' &&
    !(Array.isArray(sinks) && sinks.every((sink) => typeof sink === 'function'))
  ) {
    throw new IdempotencyConfigError(
      'Option "onOutcome" must be a function of one outcome (such as the sinks of lambda-idempotency/observability) or an array of them.',
    );
  }
  nonEmptyString('name', options.name);
  nonEmptyString('keyPrefix', options.keyPrefix);
  if (options.name !== undefined && options.keyPrefix !== undefined) {
    throw new IdempotencyConfigError(
      'Options "name" and "keyPrefix" cannot be combined: "keyPrefix" replaces the whole scope, "name" is part of the default one.',
    );
  }
}

function validateOutageOptions<TInput>(options: IdempotencyOptions<TInput>): void {
  const mode = options.whenStoreUnavailable;
  if (mode !== undefined && mode !== 'fail-closed' && mode !== 'fail-open') {
    throw new IdempotencyConfigError(
      `Option "whenStoreUnavailable" must be "fail-closed" or "fail-open", got ${JSON.stringify(mode) ?? String(mode)}.`,
    );
  }
  const circuit = options.circuitBreaker;
  if (circuit === undefined || circuit === false) return;
  if (circuit === null || typeof circuit !== 'object') {
    throw new IdempotencyConfigError('Option "circuitBreaker" must be false or { failureThreshold?, openMs? }.');
  }
  if (circuit.failureThreshold !== undefined && !(Number.isInteger(circuit.failureThreshold) && circuit.failureThreshold >= 1)) {
    throw new IdempotencyConfigError(
      `Option "circuitBreaker.failureThreshold" must be a whole number of at least 1, got ${String(circuit.failureThreshold)}.`,
    );
  }
  positive('circuitBreaker.openMs', circuit.openMs, 1);
}

function positive(name: string, value: number | undefined, minimum: number, required = false): void {
  if (value === undefined && !required) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < minimum) {
    throw new IdempotencyConfigError(`Option "${name}" must be a finite number of at least ${minimum}, got ${String(value)}.`);
  }
}

function nonEmptyString(name: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'string' || value === '')) {
    throw new IdempotencyConfigError(
      `Option "${name}" must be a non-empty string, got ${JSON.stringify(value) ?? String(value)}.`,
    );
  }
}
