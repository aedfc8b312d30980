import { describe, expect, it } from 'vitest';
import { encodeInput } from '../../../src/stores/dynamodb/json-protocol.js';

const backing = Buffer.from([9, 9, 1, 2, 3, 9]);

describe('encodeInput', () => {
  it('writes an input without bytes exactly as JSON.stringify does', () => {
    const input = { TableName: 't', Item: { id: { S: 'k' }, n: { N: '1' }, l: { L: [{ S: 'a' }, { NULL: true }] } } };
    expect(encodeInput(input)).toBe(JSON.stringify(input));
  });

  // Each input holds bytes in one place only, so that every place is looked into.
  it.each([
    ['an item', { B: new Uint8Array([1, 2, 3]) }, { B: 'AQID' }],
    ['a Buffer', { B: Buffer.from([1, 2, 3]) }, { B: 'AQID' }],
    ['a view into a larger buffer', { B: new Uint8Array(backing.buffer, backing.byteOffset + 2, 3) }, { B: 'AQID' }],
    ['a map', { M: { inner: { B: new Uint8Array([255]) } } }, { M: { inner: { B: '/w==' } } }],
    ['a list', { L: [{ S: 'x' }, { B: new Uint8Array([255]) }] }, { L: [{ S: 'x' }, { B: '/w==' }] }],
    ['a set', { BS: [new Uint8Array([1]), new Uint8Array([2])] }, { BS: ['AQ==', 'Ag=='] }],
  ])('writes bytes in %s as base64', (_place, attribute, expected) => {
    const input = { TableName: 't', Item: { id: { S: 'k' }, value: attribute } };
    expect(JSON.parse(encodeInput(input))).toEqual({ TableName: 't', Item: { id: { S: 'k' }, value: expected } });
  });
});
