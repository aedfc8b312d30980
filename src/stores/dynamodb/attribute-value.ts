/**
 * DynamoDB's typed attribute values, in the shape the AWS SDK and the JSON protocol share (binary
 * as bytes here; the JSON protocol carries it as base64). Only the types a record is made of are
 * written: S, N, B, NULL and M. Reading accepts every type, so that a record someone else wrote
 * reaches the record checks and fails there with a clear message.
 */
export type AttributeValue =
  | { readonly S: string }
  | { readonly N: string }
  | { readonly B: Uint8Array }
  | { readonly NULL: true }
  | { readonly BOOL: boolean }
  | { readonly M: AttributeMap }
  | { readonly L: readonly AttributeValue[] }
  | { readonly SS: readonly string[] }
  | { readonly NS: readonly string[] }
  | { readonly BS: readonly Uint8Array[] };

export type AttributeMap = { readonly [name: string]: AttributeValue };

/** An attribute value as a plain JavaScript value: the inverse of {@link fromAttributeValue}. */
export function toAttributeValue(value: unknown): AttributeValue {
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`DynamoDB cannot store the number ${value}.`);
    return { N: String(value) };
  }
  if (value instanceof Uint8Array) return { B: value };
  if (value === null) return { NULL: true };
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return { M: toAttributeMap(value as Record<string, unknown>) };
  }
  throw new TypeError(`A record attribute cannot hold ${typeof value === 'object' ? 'this object' : `a ${typeof value}`}.`);
}

/** Every entry of a plain object as an attribute value; `undefined` entries are left out. */
export function toAttributeMap(values: Readonly<Record<string, unknown>>): AttributeMap {
  const map: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined) map[name] = toAttributeValue(value);
  }
  return map;
}

/**
 * An attribute value as a JavaScript value: numbers as numbers, binary as bytes, sets as `Set`s.
 * A number that a double cannot hold exactly stays a string: a record never has one, and the
 * record checks then name the attribute.
 */
export function fromAttributeValue(attribute: AttributeValue): unknown {
  if ('S' in attribute) return attribute.S;
  if ('N' in attribute) return numberOf(attribute.N);
  if ('B' in attribute) return attribute.B;
  if ('NULL' in attribute) return null;
  if ('BOOL' in attribute) return attribute.BOOL;
  if ('M' in attribute) return fromAttributeMap(attribute.M);
  if ('L' in attribute) return attribute.L.map(fromAttributeValue);
  if ('SS' in attribute) return new Set(attribute.SS);
  if ('NS' in attribute) return new Set(attribute.NS.map(numberOf));
  if ('BS' in attribute) return new Set(attribute.BS);
  return undefined;
}

export function fromAttributeMap(map: AttributeMap): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, attribute] of Object.entries(map)) values[name] = fromAttributeValue(attribute);
  return values;
}

function numberOf(text: string): number | string {
  const value = Number(text);
  return Number.isFinite(value) && (!Number.isInteger(value) || Number.isSafeInteger(value)) ? value : text;
}
