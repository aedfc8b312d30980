/** A request or message that does not have the expected shape; `field` names what was wrong. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field} ${problem}`);
  }
}

const CURRENCY = /^[A-Z]{3}$/;
const IDENTIFIER = /^[\w.:-]{1,64}$/;

export function asObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ValidationError(field, 'must be a JSON object');
  return value as Record<string, unknown>;
}

/** An amount in minor units (cents): a positive whole number, at most one million in major units. */
export function asAmount(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0 || value > 100_000_000) {
    throw new ValidationError(field, 'must be a whole number of minor units (cents) between 1 and 100000000');
  }
  return value;
}

export function asCurrency(value: unknown, field: string): string {
  if (typeof value !== 'string' || !CURRENCY.test(value))
    throw new ValidationError(field, 'must be an ISO 4217 code such as "EUR"');
  return value;
}

export function asIdentifier(value: unknown, field: string): string {
  if (typeof value !== 'string' || !IDENTIFIER.test(value)) {
    throw new ValidationError(field, 'must be 1 to 64 letters, digits or ._:- characters');
  }
  return value;
}
