import { InvalidIdempotencyKeyError } from '../errors.js';
import { ExactNumber } from './lossless-json.js';

/**
 * Serializes key material so that equal data gives equal text: object keys are sorted at every
 * depth, so `{a:1,b:2}` and `{b:2,a:1}` hash alike. Anything JSON would silently change or drop
 * in a way that could merge two different keys (NaN, BigInt, functions, cycles) is rejected.
 */
export function canonicalJson(value: unknown): string {
  return write(value, new Set(), '$');
}

function write(value: unknown, ancestors: Set<object>, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw invalid(path, `the number ${value} has no JSON form`);
      return JSON.stringify(value);
    case 'object':
      return writeObject(value, ancestors, path);
    default:
      throw invalid(path, `a ${typeof value} cannot be part of an idempotency key`);
  }
}

function writeObject(value: object, ancestors: Set<object>, path: string): string {
  // A number past a double's precision, read losslessly: its value in canonical decimal, as a JSON number.
  if (value instanceof ExactNumber) return value.canonical;
  if (ancestors.has(value)) throw invalid(path, 'the value refers to itself (a cycle)');
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return write(toJSON.call(value), ancestors, path);

  if (!Array.isArray(value) && !isPlainObject(value) && Object.keys(value).length === 0) {
    // A Map, Set, RegExp or field-less instance would be `{}` as JSON: every such key, whatever
    // it holds, would land on one record and replay another request's result.
    throw invalid(path, `a ${value.constructor?.name ?? 'object'} has no faithful JSON form (it would serialize as {})`);
  }

  ancestors.add(value);
  let text: string;
  if (Array.isArray(value)) {
    text = `[${value.map((item, index) => (item === undefined ? 'null' : write(item, ancestors, `${path}[${index}]`))).join(',')}]`;
  } else {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .filter((name) => record[name] !== undefined)
      .sort()
      .map((name) => `${JSON.stringify(name)}:${write(record[name], ancestors, `${path}.${name}`)}`);
    text = `{${members.join(',')}}`;
  }
  ancestors.delete(value);
  return text;
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function invalid(path: string, reason: string): InvalidIdempotencyKeyError {
  return new InvalidIdempotencyKeyError(`Invalid idempotency key material at ${path}: ${reason}.`);
}
