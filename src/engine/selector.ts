import { IdempotencyConfigError } from '../errors.js';

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
  return (input) => selectPath(input, segments);
}

function selectPath(input: unknown, segments: readonly string[]): unknown {
  let current = input;
  for (const segment of segments) {
    if (typeof current === 'string') current = parseJsonContainer(current);
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function parseJsonContainer(text: string): unknown {
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return undefined;
  try {
    return JSON.parse(text);
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
  const segments = path.split('.');
  let current = input;
  for (const [index, segment] of segments.entries()) {
    const walked = index === 0 ? 'the input' : `"${segments.slice(0, index).join('.')}"`;
    if (typeof current === 'string') {
      const parsed = parseJsonContainer(current);
      if (parsed === undefined) return `${walked} is a string that is not a JSON object or array`;
      current = parsed;
    }
    if (current === null || typeof current !== 'object')
      return `${walked} is ${current === null ? 'null' : `a ${typeof current}`}`;
    if (!(segment in current)) return `${walked} has no "${segment}"`;
    current = (current as Record<string, unknown>)[segment];
  }
  // The path reached its end: the value there is what is missing, and the caller names it.
  return undefined;
}

/** True for values that cannot identify a request: nothing, null, '', [] and {}. */
export function isMissing(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.keys(value).length === 0;
  }
  return false;
}
