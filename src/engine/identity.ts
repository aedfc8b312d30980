import { InvalidIdempotencyKeyError, MissingIdempotencyKeyError } from '../errors.js';
import { hashMaterial } from './hash.js';
import { compileSelector, explainPath, isMissing, type Selector } from './selector.js';
import type { Warn } from './warn.js';

/** Which record an invocation maps to, and the payload it must match. */
export interface Identity {
  readonly id: string;
  readonly fingerprint: string | undefined;
}

export interface IdentifyOptions<TInput> {
  readonly key: Selector<TInput> | undefined;
  readonly payload: Selector<TInput> | undefined;
  readonly keyPrefix: string | undefined;
  readonly name: string | undefined;
  readonly requireKey: boolean;
  readonly warn: Warn;
}

/**
 * Builds the function that turns an input into its record id (`<scope>#<sha256>`) and payload
 * fingerprint. It answers undefined for a missing key that is not required.
 */
export function createIdentifier<TInput>(
  options: IdentifyOptions<TInput>,
): (input: TInput, scope: string) => Identity | undefined {
  // Without a key selector the whole input is the key; adapters pass their own default (a delivery's identity).
  const selectKey = options.key === undefined ? (input: TInput): unknown => input : compileSelector(options.key, 'key');
  const selectPayload = options.payload === undefined ? undefined : compileSelector(options.payload, 'payload');

  function missingKey(reason: string, cause?: unknown): undefined {
    const error = new MissingIdempotencyKeyError(`No idempotency key: ${reason}.`, cause === undefined ? undefined : { cause });
    if (options.requireKey) throw error;
    options.warn(error);
    return undefined;
  }

  function fingerprintOf(input: TInput): string | undefined {
    if (selectPayload === undefined) return undefined;
    let payload: unknown;
    try {
      payload = selectPayload(input);
    } catch (cause) {
      throw new InvalidIdempotencyKeyError('The payload selector threw while reading the input.', { cause });
    }
    return hashMaterial(payload ?? null);
  }

  // ':' cannot appear in a Lambda function name, so a named scope never equals an adapter's own.
  const recordScope = (scope: string) => options.keyPrefix ?? (options.name === undefined ? scope : `${scope}:${options.name}`);

  return (input, scope) => {
    let material: unknown;
    try {
      material = selectKey(input);
    } catch (cause) {
      return missingKey(`the key selector threw: ${cause instanceof Error ? cause.message : String(cause)}`, cause);
    }
    if (isMissing(material)) {
      // A path can say where it lost its way: a body that is not JSON reads better than "undefined".
      const stop = typeof options.key === 'string' ? explainPath(input, options.key) : undefined;
      const where = stop === undefined ? '' : ` (${stop})`;
      return missingKey(`the key selector found ${describeMissing(material)}${where}`);
    }
    return { id: `${recordScope(scope)}#${hashMaterial(material)}`, fingerprint: fingerprintOf(input) };
  };
}

function describeMissing(value: unknown): string {
  if (value === '') return 'an empty string';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array of nothing but undefined and null';
  if (value !== null && typeof value === 'object') {
    return Object.keys(value).length === 0 ? 'an empty object' : 'an object of nothing but undefined and null';
  }
  return String(value);
}
