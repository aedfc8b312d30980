import middy from '@middy/core';
import jsonBodyParser from '@middy/http-json-body-parser';
import { describe, expect, it } from 'vitest';
import { type HttpEvent, type HttpResponse, httpIdempotency } from '../../src/index.js';
import { lambdaContext, uniqueKey, useStoreFixture } from '../support/fixtures.js';
import { httpShapes, withBody, withHeader, withKey } from './http-events.js';

const fixture = useStoreFixture();

const shape = httpShapes[1]!;
const post = (key: string, body: string) =>
  withBody(withHeader(withKey(shape.event(), key), 'Content-Type', 'application/json'), body);

describe('a JSON body parser registered before httpIdempotency', () => {
  it('fingerprints the parsed body as the raw body of the same JSON, so the order does not change the answer', async () => {
    let runs = 0;
    const run = async () => ({ statusCode: 201, body: String(++runs) }) as HttpResponse;
    const parserFirst = middy(run)
      .use(jsonBodyParser())
      .use(httpIdempotency({ store: fixture.store }));
    const parserLast = middy(run)
      .use(httpIdempotency({ store: fixture.store }))
      .use(jsonBodyParser());
    const key = uniqueKey();
    expect(await parserFirst(post(key, '{"a":1,"b":[2]}') as never, lambdaContext())).toMatchObject({ statusCode: 201 });
    const retry = await parserLast(post(key, '{ "b": [2], "a": 1 }') as HttpEvent as never, lambdaContext());
    expect(retry).toMatchObject({ statusCode: 201, body: '1' });
    const other = await parserFirst(post(key, '{"a":2,"b":[2]}') as never, lambdaContext());
    expect(other).toMatchObject({ statusCode: 422 });
    expect(runs).toBe(1);
  });
});
