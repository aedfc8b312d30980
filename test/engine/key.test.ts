import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/engine/canonical-json.js';
import { hashMaterial } from '../../src/engine/hash.js';
import { compileSelector, isMissing } from '../../src/engine/selector.js';
import { IdempotencyConfigError, InvalidIdempotencyKeyError } from '../../src/index.js';

describe('canonicalJson', () => {
  it('sorts object keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
  });

  it('drops undefined members like JSON and uses toJSON (dates)', () => {
    expect(canonicalJson({ a: undefined, b: new Date('2026-01-02T03:04:05Z') })).toBe('{"b":"2026-01-02T03:04:05.000Z"}');
    expect(canonicalJson([undefined])).toBe('[null]');
  });

  it('keeps strings and numbers apart', () => {
    expect(canonicalJson('1')).not.toBe(canonicalJson(1));
  });

  it.each([
    ['BigInt', { amount: 1n }, /\$\.amount: a bigint/],
    ['function', { f: () => 1 }, /\$\.f: a function/],
    ['symbol', Symbol('s'), /a symbol/],
    ['NaN', { n: Number.NaN }, /NaN has no JSON form/],
    ['Infinity', [Number.POSITIVE_INFINITY], /\$\[0\]: the number Infinity/],
  ])('rejects %s with InvalidIdempotencyKeyError naming where', (_name, value, message) => {
    expect(() => canonicalJson(value)).toThrow(InvalidIdempotencyKeyError);
    expect(() => canonicalJson(value)).toThrow(message);
  });

  it.each([
    ['Map', new Map([['order', 1]])],
    ['Set', new Set(['order'])],
    ['RegExp', /order/],
  ])('rejects a %s, whose JSON form {} would give every such key one record', (name, value) => {
    expect(() => canonicalJson({ key: value })).toThrow(InvalidIdempotencyKeyError);
    expect(() => canonicalJson({ key: value })).toThrow(`$.key: a ${name} has no faithful JSON form`);
    expect(canonicalJson({ key: {} })).toBe('{"key":{}}');
    expect(canonicalJson(Object.create(null))).toBe('{}');
  });

  it('rejects a cycle but accepts the same object twice side by side', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/cycle/);
  });
});

describe('hashMaterial', () => {
  it('is sha256 in base64url, equal for reordered objects', () => {
    expect(hashMaterial({ a: 1, b: 2 })).toBe(hashMaterial({ b: 2, a: 1 }));
    expect(hashMaterial('order-1')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // sha256("\"abc\"") — the canonical text of the string "abc".
    expect(hashMaterial('abc')).toBe(
      Buffer.from('6cc43f858fbb763301637b5af970e2a46b46f461f27e5a0f41e009c59b827b25', 'hex').toString('base64url'),
    );
  });

  it('hashes unicode and huge keys to the same short id', () => {
    expect(hashMaterial('zahlung-ü-😀')).toHaveLength(43);
    expect(hashMaterial('x'.repeat(1_000_000))).toHaveLength(43);
  });
});

describe('selectors', () => {
  it('follows dotted paths, parsing JSON strings on the way', () => {
    const select = compileSelector<unknown>('body.order.id', 'key');
    expect(select({ body: JSON.stringify({ order: { id: 'o-1' } }) })).toBe('o-1');
    expect(select({ body: { order: { id: 'o-2' } } })).toBe('o-2');
    expect(select({ body: 'not json' })).toBeUndefined();
    expect(select({ body: '{broken' })).toBeUndefined();
    expect(select(undefined)).toBeUndefined();
    expect(compileSelector<unknown>('Records.0.messageId', 'key')({ Records: [{ messageId: 'm-1' }] })).toBe('m-1');
  });

  it.each(['', 'a..b', '.a', 'a.'])('rejects the malformed path %j at setup', (path) => {
    expect(() => compileSelector<unknown>(path, 'key')).toThrow(IdempotencyConfigError);
    expect(() => compileSelector<unknown>(path, 'key')).toThrow(/Option "key"/);
  });

  it('rejects a selector that is neither a path nor a function', () => {
    expect(() => compileSelector<unknown>(42 as unknown as string, 'payload')).toThrow(/Option "payload"/);
  });

  it('counts undefined, null, empty strings, arrays and objects as missing', () => {
    for (const value of [undefined, null, '', [], {}]) expect(isMissing(value)).toBe(true);
    for (const value of [0, false, ' ', [0], { a: 1 }, new Date(0)]) expect(isMissing(value)).toBe(false);
  });
});
