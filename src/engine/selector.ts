import { IdempotencyConfigError } from '../errors.js';
import { parseJsonLossless } from './lossless-json.js';

/**
 * Picks part of an input: a function, or a dotted path such as `'body.orderId'` or
 * `'Records.0.messageId'`. A path that meets a JSON string (an API Gateway `body`, an SQS message
 * `body`) parses it and keeps walking, because that is what a user writing `body.orderId` means.
 */
export type Selector<TInput> = string | ((input: TInput) => unknown);

/** @throws {IdempotencyConfigError} naming `option` when the selector is neither a function nor a path. */
export function compileSelector<TInput>(selector: Selector<TInput>, option: string): (input: TInput) => unknown {
  if (typeof selector === 'function') return selector;
  const segments = typeof selector === 'string' ? selector.split('.') : [];
  if (segments.length === 0 || segments.includes('')) {
    throw new IdempotencyConfigError(
      `Option "${option}" must be a function or a dotted path such as "body.orderId", got ${JSON.stringify(selector)}.`,
    );
  }
  return (input) => walkPath(input, segments).value;
}

/** What a path found, and where it lost its way when it found nothing (for the missing-key message). */
interface PathWalk {
  readonly value: unknown;
  readonly lostAt?: string;
}

function walkPath(input: unknown, segments: readonly string[]): PathWalk {
  let current = input;
  for (const [index, segment] of segments.entries()) {
    if (typeof current === 'string') {
      const parsed = parseJsonContainer(current);
      if (parsed === undefined) return lost(segments, index, 'is a string that is not a JSON object or array');
      current = parsed;
    }
    if (current === null || typeof current !== 'object')
      return lost(segments, index, `is ${current === null ? 'null' : `a ${typeof current}`}`);
    if (!(segment in current)) return lost(segments, index, `has no "${segment}"`);
    current = (current as Record<string, unknown>)[segment];
  }
  return { value: current };
}

function lost(segments: readonly string[], index: number, problem: string): PathWalk {
  const walked = index === 0 ? 'the input' : `"${segments.slice(0, index).join('.')}"`;
  return { value: undefined, lostAt: `${walked} ${problem}` };
}

function parseJsonContainer(text: string): unknown {
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return undefined;
  try {
    return parseJsonLossless(text);
  } catch {
    return undefined;
  }
}

/**
 * Where a dotted path stops finding anything in `input`, for the message of a missing key:
 * `"body" is a string that is not a JSON object or array`, `"detail" has no "orderId"`,
 * `the input is null`. Undefined when the path reaches its end.
 */
export function explainPath(input: unknown, path: string): string | undefined {
  return walkPath(input, path.split('.')).lostAt;
}

/**
 * True for values that cannot identify a request: '', and anything whose every leaf is undefined
 * or null (undefined, null, [], {}, `{ orderId: undefined }`, `[null, null]`). Such material would
 * hash alike for every event lacking the field, and each would replay the first one's result.
 */
export function isMissing(value: unknown): boolean {
  return value === '' || holdsNothing(value);
}

function holdsNothing(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.every(holdsNothing);
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.values(value).every(holdsNothing);
  }
  return false;
}
