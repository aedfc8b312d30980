import { describe, expect, it } from 'vitest';
import { readIdempotencyKey } from '../../src/http/idempotency-key-header.js';

describe('readIdempotencyKey', () => {
  it.each([
    ['a bare token', ['8e03978e-40d5-43e8-bc93-6894a57f9324'], '8e03978e-40d5-43e8-bc93-6894a57f9324'],
    ['a structured-field string', ['"8e03978e-40d5"'], '8e03978e-40d5'],
    ['surrounding whitespace', ['  "abc"  '], 'abc'],
    ['escaped quote and backslash', ['"a\\"b\\\\c"'], 'a"b\\c'],
    ['a quoted comma', ['"a,b"'], 'a,b'],
    ['255 characters', ['k'.repeat(255)], 'k'.repeat(255)],
  ])('accepts %s', (_case, values, key) => {
    expect(readIdempotencyKey(values)).toEqual({ kind: 'present', key });
  });

  it.each([
    ['no header', undefined],
    ['no values', []],
    ['a blank value', ['   ']],
  ])('finds no key in %s', (_case, values) => {
    expect(readIdempotencyKey(values)).toEqual({ kind: 'missing' });
  });

  it.each([
    ['two header values', ['a', 'b'], /sent 2 times/],
    ['a comma-joined list', ['a,b'], /more than one value/],
    ['two structured strings', ['"a", "b"'], /more than one value/],
    ['256 characters', ['k'.repeat(256)], /256 characters long; at most 255/],
    ['an empty quoted string', ['""'], /empty/],
    ['a space inside', ['"a b"'], /visible ASCII/],
    ['non-ASCII characters', ['clé-ü'], /visible ASCII/],
    ['a control character', ['"a\tb"'], /visible ASCII/],
    ['an unterminated quote', ['"abc'], /no closing quote/],
    ['an invalid escape', ['"a\\nb"'], /invalid escape/],
    ['text after the quotes', ['"abc";p=1'], /followed by other characters/],
  ])('rejects %s', (_case, values, reason) => {
    const reading = readIdempotencyKey(values);
    expect(reading.kind).toBe('malformed');
    expect(reading.kind === 'malformed' && reading.reason).toMatch(reason);
  });

  it('bounds the key at the length it is given instead of 255', () => {
    expect(readIdempotencyKey(['k'.repeat(32)], 32)).toEqual({ kind: 'present', key: 'k'.repeat(32) });
    expect(readIdempotencyKey([`"${'k'.repeat(33)}"`], 32)).toEqual({
      kind: 'malformed',
      reason: 'the key is 33 characters long; at most 32 are allowed',
    });
    expect(readIdempotencyKey(['k'.repeat(1000)], 1000)).toEqual({ kind: 'present', key: 'k'.repeat(1000) });
  });
});
