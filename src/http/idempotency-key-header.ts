/** The header clients send, per the IETF draft "The Idempotency-Key HTTP Header Field". */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** The longest key accepted unless `maxKeyLength` says otherwise: Stripe's bound, which clients already honour. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

export type IdempotencyKeyReading =
  | { readonly kind: 'missing' }
  | { readonly kind: 'malformed'; readonly reason: string }
  | { readonly kind: 'present'; readonly key: string };

const MISSING: IdempotencyKeyReading = { kind: 'missing' };
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

/**
 * Reads the key from every value the header arrived with. The draft defines the field as a
 * structured-field string (`"8e03978e"`); many clients send a bare token, so both are accepted.
 * A key is 1 to `maxLength` (default 255) visible ASCII characters, and a request carries exactly one.
 */
export function readIdempotencyKey(
  values: readonly string[] | undefined,
  maxLength: number = MAX_IDEMPOTENCY_KEY_LENGTH,
): IdempotencyKeyReading {
  if (values === undefined || values.length === 0) return MISSING;
  if (values.length > 1) return malformed(`it was sent ${values.length} times; send exactly one key`);
  const raw = values[0]!.trim();
  if (raw === '') return MISSING;
  const unwrapped = raw.startsWith('"') ? parseStructuredString(raw) : parseToken(raw);
  if (unwrapped.kind !== 'present') return unwrapped;
  const { key } = unwrapped;
  if (key.length === 0) return malformed('the key is empty');
  if (key.length > maxLength) {
    return malformed(`the key is ${key.length} characters long; at most ${maxLength} are allowed`);
  }
  if (!VISIBLE_ASCII.test(key))
    return malformed('the key may only hold visible ASCII characters (no spaces or control characters)');
  return unwrapped;
}

function malformed(reason: string): IdempotencyKeyReading {
  return { kind: 'malformed', reason };
}

/** A bare token. A comma can only mean a list (an HTTP API joins repeated headers with commas). */
function parseToken(raw: string): IdempotencyKeyReading {
  if (raw.includes(',')) return malformed('it holds more than one value; send exactly one key');
  return { kind: 'present', key: raw };
}

/** RFC 8941 sf-string: quoted, with `\"` and `\\` as the only escapes, and nothing after it. */
function parseStructuredString(raw: string): IdempotencyKeyReading {
  let key = '';
  for (let index = 1; index < raw.length; index++) {
    const char = raw[index]!;
    if (char === '\\') {
      const escaped = raw[++index];
      if (escaped !== '"' && escaped !== '\\') return malformed('the quoted key holds an invalid escape sequence');
      key += escaped;
    } else if (char === '"') {
      const rest = raw.slice(index + 1).trim();
      if (rest === '') return { kind: 'present', key };
      if (rest.startsWith(',')) return malformed('it holds more than one value; send exactly one key');
      return malformed('the quoted key is followed by other characters');
    } else {
      key += char;
    }
  }
  return malformed('the quoted key has no closing quote');
}
