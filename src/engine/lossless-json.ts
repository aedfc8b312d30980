/**
 * JSON parsing that keeps every number's value. `JSON.parse` rounds a number to the nearest double,
 * so `9007199254740993` and `9007199254740992` (or `0.1` and `0.10000000000000001`) come out equal
 * and would share an idempotency key. Node 20 has no reviver `context.source`, so the number texts
 * are read here: one that a double holds exactly (its value is the double's own shortest decimal)
 * stays a plain number, so existing keys do not change; any other becomes an {@link ExactNumber}.
 */

/** A JSON number a double cannot hold, kept as its value in one canonical decimal spelling. */
export class ExactNumber {
  /** `[-]digits e exponent`, digits without leading or trailing zeros: equal values, equal text. */
  readonly canonical: string;

  constructor(canonical: string) {
    this.canonical = canonical;
  }

  /** The canonical decimal, as a string: a plain JSON serializer would otherwise round it again. */
  toJSON(): string {
    return this.canonical;
  }
}

const NUMBER_TEXT = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** The value a JSON number text spells, canonically; undefined for text that is no finite decimal. */
export function canonicalDecimal(text: string): string | undefined {
  const parts = NUMBER_TEXT.exec(text);
  if (parts === null) return undefined;
  const [, sign, whole, fraction = '', exponent = '0'] = parts as unknown as [string, string, string, string?, string?];
  let digits = `${whole}${fraction}`.replace(/^0+/, '');
  if (digits === '') return '0';
  // BigInt: an exponent past 2^53 must not round into another one either.
  let scale = BigInt(exponent) - BigInt(fraction.length);
  const trailing = digits.length - digits.replace(/0+$/, '').length;
  digits = digits.slice(0, digits.length - trailing);
  scale += BigInt(trailing);
  return `${sign}${digits}e${scale}`;
}

/** Whether the double `JSON.parse` makes of this number text has exactly the value the text spells. */
function isExact(text: string): boolean {
  return canonicalDecimal(text) === canonicalDecimal(String(Number(text)));
}

/** The number literals of a JSON text, outside its strings, with where each starts. */
function numberTokens(text: string): Array<{ start: number; end: number }> {
  const tokens: Array<{ start: number; end: number }> = [];
  let index = 0;
  while (index < text.length) {
    const char = text[index]!;
    if (char === '"') {
      index++;
      while (index < text.length && text[index] !== '"') index += text[index] === '\\' ? 2 : 1;
      index++;
    } else if (char === '-' || (char >= '0' && char <= '9')) {
      const start = index;
      while (index < text.length && /[-+.eE0-9]/.test(text[index]!)) index++;
      tokens.push({ start, end: index });
    } else {
      index++;
    }
  }
  return tokens;
}

/**
 * `JSON.parse`, except that a number a double cannot hold exactly becomes an {@link ExactNumber}.
 * Throws exactly where `JSON.parse` would.
 */
export function parseJsonLossless(text: string): unknown {
  const inexact = numberTokens(text).filter(({ start, end }) => !isExact(text.slice(start, end)));
  if (inexact.length === 0) return JSON.parse(text);
  // Each inexact literal becomes a string no input can contain by chance, turned back in the reviver.
  const marker = `\u0000exact-number:${Math.random().toString(36).slice(2)}:`;
  const exact = new Map<string, ExactNumber>();
  let rewritten = '';
  let copied = 0;
  for (const { start, end } of inexact) {
    const literal = text.slice(start, end);
    const decimal = canonicalDecimal(literal);
    // Not a decimal at all (`-`, `1.`): leave it for JSON.parse to reject.
    if (decimal === undefined) continue;
    const standIn = `${marker}${exact.size}`;
    exact.set(standIn, new ExactNumber(decimal));
    rewritten += `${text.slice(copied, start)}${JSON.stringify(standIn)}`;
    copied = end;
  }
  rewritten += text.slice(copied);
  return JSON.parse(rewritten, (_name, value: unknown) =>
    typeof value === 'string' && exact.has(value) ? exact.get(value) : value,
  );
}
