import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import { hashMaterial } from '../../src/engine/hash.js';
import { canonicalDecimal, parseJsonLossless } from '../../src/engine/lossless-json.js';
import { type HttpResponse, httpIdempotency, makeIdempotent } from '../../src/index.js';
import { httpShapes, withBody, withHeader, withKey } from '../http/http-events.js';
import { lambdaContext, uniqueKey, useStoreFixture } from '../support/fixtures.js';

const fixture = useStoreFixture();

const hashOf = (json: string) => hashMaterial(parseJsonLossless(json));

describe('lossless JSON numbers', () => {
  it('tells apart numbers JSON.parse rounds to one double', () => {
    expect(JSON.parse('9007199254740993')).toBe(JSON.parse('9007199254740992'));
    expect(hashOf('{"orderId":9007199254740993}')).not.toBe(hashOf('{"orderId":9007199254740992}'));
    expect(hashOf('[0.1]')).not.toBe(hashOf('[0.10000000000000001]'));
    expect(hashOf('[1e400]')).not.toBe(hashOf('[2e400]'));
  });

  it('keeps spellings of one value alike', () => {
    expect(hashOf('[1]')).toBe(hashOf('[1.0]'));
    expect(hashOf('[1]')).toBe(hashOf('[1e0]'));
    expect(hashOf('[9007199254740993]')).toBe(hashOf('[90071992547409930e-1]'));
    expect(canonicalDecimal('-0.0012300')).toBe('-123e-5');
  });

  it('leaves exactly held numbers as plain numbers, so existing keys keep their hash', () => {
    expect(parseJsonLossless('{"a":[1,2.5,-3e-7,1e21]}')).toEqual(JSON.parse('{"a":[1,2.5,-3e-7,1e21]}'));
    expect(hashOf('{"n":42,"s":"x"}')).toBe(hashMaterial({ n: 42, s: 'x' }));
  });

  it('reads digits inside strings as text, and rejects what JSON.parse rejects', () => {
    expect(parseJsonLossless('{"id":"9007199254740993","n":9007199254740993}')).toMatchObject({ id: '9007199254740993' });
    expect(() => parseJsonLossless('{"n":9007199254740993,}')).toThrow(SyntaxError);
    expect(() => parseJsonLossless('[-]')).toThrow(SyntaxError);
  });

  it('gives bodies with order ids past 2^53 two records through a body.orderId key', async () => {
    let runs = 0;
    const handler = makeIdempotent(async (_event: { body: string }) => ++runs, {
      store: fixture.store,
      key: 'body.orderId',
      keyPrefix: uniqueKey(),
    });
    expect(await handler({ body: '{"orderId": 9007199254740993}' })).toBe(1);
    expect(await handler({ body: '{"orderId": 9007199254740992}' })).toBe(2);
    expect(await handler({ body: '{"orderId": 9007199254740993}' })).toBe(1);
  });

  it('answers 422 when a retried HTTP body differs only past 2^53', async () => {
    const shape = httpShapes[1]!;
    const handler = middy(async () => ({ statusCode: 201, body: 'made' }) as HttpResponse).use(
      httpIdempotency({ store: fixture.store }),
    );
    const event = withHeader(withKey(shape.event(), uniqueKey()), 'Content-Type', 'application/json');
    const first = withBody(structuredClone(event), '{"orderId": 9007199254740993}');
    const other = withBody(structuredClone(event), '{"orderId": 9007199254740992}');
    expect(await handler(first, lambdaContext())).toMatchObject({ statusCode: 201 });
    expect(await handler(other, lambdaContext())).toMatchObject({ statusCode: 422 });
  });
});
